# shellcheck shell=bash
# Shared by the tests/docker scripts (sourced). run.sh exports DT_RUN_ID, DT_WORK, DT_RESULTS and
# DT_LABEL; each part appends its results to DT_RESULTS so run.sh can add them up.

# Everything a run creates carries this label (value: the run id), so cleanup finds it all even
# when a part died half-way.
DT_LABEL="${DT_LABEL:-mcp-model-shim.docker-test}"
# shellcheck disable=SC2034 # used by the scripts that source this
DT_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/mcp-model-shim/docker"
# No buildx in Debian bookworm (and no Docker Hub for a BuildKit frontend): the classic builder.
export DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0

say() { printf '%s\n' "$*"; }

pass() {
  say "  ok    $1"
  printf 'pass\t%s\n' "$1" >>"$DT_RESULTS"
}

# fail DESCRIPTION [DETAIL...]: the detail (output of the failed command) is indented under it.
fail() {
  local what=$1
  shift
  say "  FAIL  $what"
  [ $# -eq 0 ] || printf '%s\n' "$@" | tail -n 30 | sed 's/^/        | /'
  printf 'fail\t%s\n' "$what" >>"$DT_RESULTS"
}

# check DESCRIPTION COMMAND...: a pass when COMMAND exits 0; its output is shown only on failure.
# A failed check is recorded, and the part goes on with the next one.
check() {
  local what=$1 out
  shift
  if out=$("$@" 2>&1); then pass "$what"; else fail "$what" "$out"; fi
}

# timed DESCRIPTION COMMAND...: a step that must work (a build, a start); prints how long it took.
# Its output goes to a log file, shown (the end of it) only when it fails.
timed() {
  local what=$1 started=$SECONDS log
  shift
  log=$(mktemp "$DT_WORK/step.XXXXXX")
  say "::: $what"
  if "$@" >"$log" 2>&1; then
    say "::: $what: $((SECONDS - started)) s"
  else
    local status=$?
    fail "$what (exit $status after $((SECONDS - started)) s)" "$(tail -n 40 "$log")"
    return $status
  fi
}

# wait_for SECONDS COMMAND...: retry COMMAND every half second until it succeeds or time is up.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.5
  done
}

# health CONTAINER: the container's health status (starting, healthy, unhealthy) or its state.
health() {
  docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$1" 2>/dev/null
}

is_healthy() { [ "$(health "$1")" = healthy ]; }

# host_port CONTAINER PORT: the 127.0.0.1 port Docker picked for `-p 127.0.0.1::PORT`.
host_port() {
  docker port "$1" "$2/tcp" | sed -n 's/^127\.0\.0\.1:\([0-9]*\)$/\1/p' | head -n 1
}

# Lines of the host's apt sources that name bookworm, as one file per source file: the mirror is
# read at run time and never written into the repo.
apt_source_files() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && grep -qw bookworm "$f" && echo "$f"
  done
  return 0
}

# The first Debian mirror URI for bookworm in the host's apt sources (deb822 or one-line format).
apt_mirror() {
  local f
  for f in $(apt_source_files); do
    case $f in
      *.sources) awk '/^URIs:/ {uri=$2} /^Suites:/ && / bookworm( |$)/ {print uri; exit}' "$f" ;;
      *) awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { if ($(i+1) == "bookworm") { print $i; exit } else break } }' "$f" ;;
    esac
  done | head -n 1
}

# Installs Debian packages the way .ci/run does: one apt at a time across clones of this repo.
apt_install() {
  flock /var/lock/mcp-model-shim-apt.lock bash -c '
    apt-get -o DPkg::Lock::Timeout=600 update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$@" >/dev/null' apt "$@"
}
