#!/usr/bin/env bash
# The base images our Dockerfile and the compose stack name (node, postgres, litellm). The official
# ones are used when the daemon already has them (or a quick pull works); without Docker Hub this
# builds stand-ins under the same names from Debian bookworm, this machine's Node and the npm and
# PyPI registries, with the host's CA certificates and registry settings read at run time.
#
# Each stand-in carries the hash of its recipe as a label: a run whose recipe is unchanged reuses
# the image (or reloads it from ~/.cache/mcp-model-shim/docker/), so only the first run builds.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/docker/lib.sh
source tests/docker/lib.sh

HERE=tests/docker/images
RECIPE_LABEL=mcp-model-shim.recipe
NPM_VERSION=10.8.2 # what Node 20 bundles: the official node:20 images ship npm 10, this machine npm 11

# The names come from the files that use them, so the stand-ins follow a change of tag there.
NODE_IMAGE=$(sed -n 's/^FROM \([^ ]*\).*/\1/p' Dockerfile | sort -u)
POSTGRES_IMAGE=$(sed -n 's/^ *image: *\(postgres:[^ ]*\)$/\1/p' litellm-snippets/docker-compose.yaml)
LITELLM_IMAGE=$(sed -n 's/^ *image: *\(litellm\/litellm:[^ ]*\)$/\1/p' litellm-snippets/docker-compose.yaml)
PG_MAJOR=${POSTGRES_IMAGE#postgres:}
LITELLM_VERSION=${LITELLM_IMAGE#litellm/litellm:v}
[ "$(wc -w <<<"$NODE_IMAGE")" = 1 ] || { echo "expected one base image in Dockerfile, got: $NODE_IMAGE" >&2; exit 1; }
# The LiteLLM stand-in installs what the e2e suite runs; the compose file's tag must name that version.
LITELLM_REQUIREMENTS=tests/e2e/litellm-requirements.txt
[ "$(sed -n 's/^litellm==//p' "$LITELLM_REQUIREMENTS")" = "$LITELLM_VERSION" ] || {
  echo "litellm-snippets/docker-compose.yaml names $LITELLM_IMAGE, but $LITELLM_REQUIREMENTS pins another litellm" >&2
  exit 1
}

mkdir -p "$DT_CACHE"
# Two clones on one machine build the same stand-ins: one at a time, the second reuses the first's.
exec 9>"$DT_CACHE/images.lock"
flock 9

hash_of() { sha256sum | cut -c1-16; }

# recipe_label IMAGE: the recipe hash IMAGE was built from, empty for an official image, "absent"
# when the daemon has no such image.
recipe_label() {
  docker image inspect -f "{{index .Config.Labels \"$RECIPE_LABEL\"}}" "$1" 2>/dev/null || echo absent
}

# use_official IMAGE: true when IMAGE is an official one already here, or pulls within 20 s.
use_official() {
  local label
  label=$(recipe_label "$1")
  if [ "$label" = absent ]; then
    timeout 20 docker pull -q "$1" >/dev/null 2>&1 || return 1
    label=$(recipe_label "$1")
  fi
  [ -z "$label" ] || [ "$label" = "<no value>" ]
}

# ensure IMAGE KEY BUILD_FUNCTION: IMAGE built from recipe KEY, by the cheapest way available.
ensure() {
  local image=$1 key=$2 build=$3 started=$SECONDS
  local saved
  saved="$DT_CACHE/$(tr '/:' '__' <<<"$image")-$key.tar"
  if [ "$(recipe_label "$image")" = "$key" ]; then
    pass "$image: stand-in $key, already in the daemon"
  elif [ -f "$saved" ] && docker load -q -i "$saved" >/dev/null && [ "$(recipe_label "$image")" = "$key" ]; then
    pass "$image: stand-in $key, loaded from the cache in $((SECONDS - started)) s"
  else
    say "  $image: building stand-in $key"
    local old
    old=$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)
    local log="$DT_WORK/build-$key.log"
    "$build" "$image" "$key" >"$log" 2>&1 || { tail -n 40 "$log" >&2; return 1; }
    # Keep one saved copy per image name: a rebuilt daemon (or a pruned one) reloads it in seconds.
    rm -f "$DT_CACHE/$(tr '/:' '__' <<<"$image")"-*.tar
    docker save -o "$saved.part" "$image" && mv "$saved.part" "$saved"
    pass "$image: stand-in $key, built in $((SECONDS - started)) s"
    # The stand-in this recipe replaced, unless an image still builds on it.
    [ -z "$old" ] || docker rmi "$old" >/dev/null 2>&1 || true
  fi
}

# --- Debian bookworm (minbase) with the host's CA certificates and apt sources -------------------

host_ca_bundle() {
  cat /etc/ssl/certs/ca-certificates.crt
  cat /usr/local/share/ca-certificates/*.crt 2>/dev/null || true
}

make_rootfs_tar() { # OUT.tar
  local dir out=$1 f
  dir=$(mktemp -d "$DT_WORK/rootfs.XXXXXX")
  debootstrap --variant=minbase bookworm "$dir" "$(apt_mirror)" >"$DT_WORK/debootstrap.log" 2>&1 ||
    { tail -n 20 "$DT_WORK/debootstrap.log" >&2; return 1; }
  # apt-get inside images built on this one uses the same mirrors as the host (security included).
  rm -f "$dir/etc/apt/sources.list"
  for f in $(apt_source_files); do
    case $f in
      *.sources) cp "$f" "$dir/etc/apt/sources.list.d/host-$(basename "$f")" ;;
      *) cp "$f" "$dir/etc/apt/sources.list.d/host-$(basename "$f" .list).list" ;;
    esac
  done
  # HTTPS from containers may be re-signed by a CA only this machine trusts.
  mkdir -p "$dir/usr/local/share/ca-certificates" "$dir/etc/ssl/certs"
  cp /usr/local/share/ca-certificates/*.crt "$dir/usr/local/share/ca-certificates/" 2>/dev/null || true
  host_ca_bundle >"$dir/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
  tar --numeric-owner -C "$dir" -cf "$out.part" . && mv "$out.part" "$out"
  # If debootstrap failed half-way, run.sh's cleanup unmounts what it left before deleting.
  rm -rf --one-file-system "$dir"
}

# shellcheck disable=SC2046 # apt source paths have no spaces
BASE_KEY=$( { declare -f make_rootfs_tar; host_ca_bundle; cat $(apt_source_files); } | hash_of)
BASE_IMAGE="mcp-model-shim-test/bookworm:$BASE_KEY"

if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  ROOTFS="$DT_CACHE/bookworm-minbase-$BASE_KEY.tar"
  if [ ! -f "$ROOTFS" ]; then
    say "  bookworm rootfs: debootstrap (minbase) from the host's apt mirror"
    rm -f "$DT_CACHE"/bookworm-minbase-*.tar
    make_rootfs_tar "$ROOTFS"
  fi
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    "$ROOTFS" "$BASE_IMAGE" >/dev/null
  say "  $BASE_IMAGE: imported"
  # Bases of older recipes, unless an image still builds on them.
  docker images -q --filter "reference=mcp-model-shim-test/bookworm" --filter "before=$BASE_IMAGE" | xargs -r docker rmi >/dev/null 2>&1 || true
fi

# --- node:20-bookworm-slim ------------------------------------------------------------------------

NODE_BIN=$(readlink -f "$(command -v node)")
NPM_REGISTRY=$(npm config get registry)

build_node() { # IMAGE KEY
  local ctx
  ctx=$(mktemp -d "$DT_WORK/node-ctx.XXXXXX")
  cp "$HERE/node.Dockerfile" "$ctx/Dockerfile"
  cp "$NODE_BIN" "$ctx/node"
  # npm 10 from the registry this machine's npm uses (its config, CA and proxy settings).
  (cd "$ctx" && npm pack -q "npm@$NPM_VERSION" >/dev/null && mv npm-*.tgz npm.tgz)
  printf 'registry=%s\ncafile=/etc/ssl/certs/ca-certificates.crt\n' "$NPM_REGISTRY" >"$ctx/npmrc"
  docker build -q --force-rm --build-arg "BASE=$BASE_IMAGE" --build-arg "NODE_VERSION=$("$NODE_BIN" --version)" \
    --label "$RECIPE_LABEL=$2" -t "$1" "$ctx" >/dev/null
}

# --- postgres:N from Debian's PostgreSQL ----------------------------------------------------------

build_postgres() { # IMAGE KEY
  docker build -q --force-rm --build-arg "BASE=$BASE_IMAGE" --build-arg "PG_MAJOR=$PG_MAJOR" \
    --label "$RECIPE_LABEL=$2" -t "$1" -f "$HERE/postgres.Dockerfile" "$HERE" >/dev/null
}

# --- litellm/litellm:vX from PyPI -----------------------------------------------------------------

# pip inside the build: the host's index settings (if any) and the CA bundle copied into the image.
pip_conf() {
  local index extra
  index=${PIP_INDEX_URL:-$(python3 -m pip config get global.index-url 2>/dev/null || true)}
  extra=${PIP_EXTRA_INDEX_URL:-$(python3 -m pip config get global.extra-index-url 2>/dev/null || true)}
  printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n'
  [ -z "$index" ] || printf 'index-url = %s\n' "$index"
  [ -z "$extra" ] || printf 'extra-index-url = %s\n' "$extra"
}

build_litellm() { # IMAGE KEY
  local ctx
  ctx=$(mktemp -d "$DT_WORK/litellm-ctx.XXXXXX")
  cp "$HERE/litellm.Dockerfile" "$ctx/Dockerfile"
  cp "$LITELLM_REQUIREMENTS" "$ctx/requirements.txt"
  pip_conf >"$ctx/pip.conf"
  docker build -q --force-rm --build-arg "BASE=$BASE_IMAGE" \
    --label "$RECIPE_LABEL=$2" -t "$1" "$ctx" >/dev/null
}

for image in "$NODE_IMAGE" "$POSTGRES_IMAGE" "$LITELLM_IMAGE"; do
  if use_official "$image"; then
    pass "$image: the official image, already in the daemon"
    continue
  fi
  case $image in
    node:*) ensure "$image" "$( { echo "$BASE_KEY $NPM_VERSION $NPM_REGISTRY"; "$NODE_BIN" --version; declare -f build_node; cat "$HERE/node.Dockerfile"; } | hash_of)" build_node ;;
    postgres:*) ensure "$image" "$( { echo "$BASE_KEY $PG_MAJOR"; declare -f build_postgres; cat "$HERE/postgres.Dockerfile" "$HERE/postgres-entrypoint.sh"; } | hash_of)" build_postgres ;;
    litellm/*) ensure "$image" "$( { echo "$BASE_KEY"; pip_conf; declare -f build_litellm; cat "$HERE/litellm.Dockerfile" "$LITELLM_REQUIREMENTS"; } | hash_of)" build_litellm ;;
  esac
done

