#!/usr/bin/env bash
# `npm run test:docker`: our Dockerfile and litellm-snippets/docker-compose.yaml, built and run on a
# real Docker engine. Starts dockerd when none runs (installing Debian's docker.io, docker-compose
# and debootstrap when missing), makes the base images when Docker Hub is out of reach
# (base-images.sh), checks the image (image-checks.sh) and the compose stack (compose-checks.sh).
# Ports are published on 127.0.0.1 only, on ports Docker picks. Every container, network and volume
# made here carries the run's label and is removed on exit, pass or fail; so is a daemon started here.
set -euo pipefail
cd "$(dirname "$0")/../.."

DT_RUN_ID="$(date +%m%d%H%M%S)$$"
DT_WORK=$(mktemp -d "${TMPDIR:-/tmp}/mcp-shim-docker.XXXXXX")
DT_RESULTS="$DT_WORK/results"
: >"$DT_RESULTS"
export DT_RUN_ID DT_WORK DT_RESULTS
# shellcheck source=tests/docker/lib.sh
source tests/docker/lib.sh
export DT_LABEL

# --- Docker engine: shared, started here when none runs, stopped by the last run that uses it -----

mkdir -p "$DT_CACHE"
# Clones on one machine share one daemon: "start" serialises starting and stopping it, and every
# run holds "users" (shared) while it runs, so a daemon a test started is stopped by the last run.
exec 7>"$DT_CACHE/dockerd.start.lock" 8>"$DT_CACHE/dockerd.users.lock"
DAEMON_PIDFILE="$DT_CACHE/dockerd.pid"

stop_daemon_if_ours() {
  [ -f "$DAEMON_PIDFILE" ] || return 0
  flock 7
  # Only when no other run holds "users": our shared hold becomes exclusive, or it was not ours.
  if flock -xn 8; then
    local pid
    pid=$(cat "$DAEMON_PIDFILE")
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ]; then
      say "::: stopping the dockerd a test run started (pid $pid)"
      kill -TERM "$pid"
      local deadline=$((SECONDS + 30))
      while [ -e "/proc/$pid" ] && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    fi
    rm -f "$DAEMON_PIDFILE"
  fi
  flock -u 7
}

# --- Cleanup --------------------------------------------------------------------------------------

# keep_as_cache IMAGE TAG: move a per-run image to a fixed tag, so the next run's build reuses its
# layers, and drop the image that tag held before (unless something still uses it).
keep_as_cache() {
  local image=$1 tag=$2 old new
  new=$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null) || return 0
  old=$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)
  docker tag "$image" "$tag"
  docker rmi "$image" >/dev/null
  [ -z "$old" ] || [ "$old" = "$new" ] || docker rmi "$old" >/dev/null 2>&1 || true
}

cleanup() {
  local status=$? project
  set +e
  trap - EXIT
  say "::: cleanup"
  if docker info >/dev/null 2>&1; then # (else it never started: nothing was made)
    for project in $(cat "$DT_WORK/compose-projects" 2>/dev/null); do
      docker ps -aq --filter "label=com.docker.compose.project=$project" | xargs -r docker rm -f -v >/dev/null
      docker network ls -q --filter "label=com.docker.compose.project=$project" | xargs -r docker network rm >/dev/null
      docker volume ls -q --filter "label=com.docker.compose.project=$project" | xargs -r docker volume rm >/dev/null
      keep_as_cache "${project}_mcp-postgresql" mcp-model-shim-test:compose-cache
    done
    docker ps -aq --filter "label=$DT_LABEL=$DT_RUN_ID" | xargs -r docker rm -f -v >/dev/null
    docker network ls -q --filter "label=$DT_LABEL=$DT_RUN_ID" | xargs -r docker network rm >/dev/null
    docker volume ls -q --filter "label=$DT_LABEL=$DT_RUN_ID" | xargs -r docker volume rm >/dev/null
    keep_as_cache "mcp-model-shim-test:$DT_RUN_ID" mcp-model-shim-test:cache
    keep_as_cache "mcp-model-shim-test:$DT_RUN_ID-build" mcp-model-shim-test:build-cache
    local left
    left=$(docker ps -aq --filter "label=$DT_LABEL=$DT_RUN_ID"; for project in $(cat "$DT_WORK/compose-projects" 2>/dev/null); do
      docker ps -aq --filter "label=com.docker.compose.project=$project"; done)
    [ -z "$left" ] || { fail "cleanup: containers left: $left"; status=1; }
  fi
  stop_daemon_if_ours

  local passed failed
  passed=$(grep -c '^pass' "$DT_RESULTS")
  failed=$(grep -c '^fail' "$DT_RESULTS")
  if [ "$failed" -gt 0 ]; then
    say "::: failed checks:"
    grep '^fail' "$DT_RESULTS" | cut -f2- | sed 's/^/:::   /'
    status=1
  fi
  # A failure that recorded no check (an error in these scripts) still fails the run.
  [ "$status" = 0 ] || [ "$failed" -gt 0 ] || say "::: stopped by an error or a signal (exit $status)"
  findmnt -rn -o TARGET | grep "^$DT_WORK/" | sort -r | xargs -r umount -l
  rm -rf --one-file-system "$DT_WORK"
  say "::: test:docker $([ "$status" = 0 ] && echo passed || echo failed) after $SECONDS s"
  say "docker: $passed passed, $failed failed"
  exit "$status"
}
trap cleanup EXIT
# A part runs in a process group of its own (see part): on Ctrl-C or a kill, end that group (a
# build, a compose up in flight) before cleanup removes what it made.
PART_PID=
interrupted() {
  [ -z "$PART_PID" ] || { kill -TERM -- "-$PART_PID" 2>/dev/null; wait "$PART_PID" 2>/dev/null; }
  exit 130
}
trap interrupted INT TERM

# --- Docker engine: install, start ------------------------------------------------------------------

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  say "::: apt-get install ${missing[*]}"
  apt_install "${missing[@]}"
fi

flock 7
if ! docker info >/dev/null 2>&1; then
  say "::: starting dockerd"
  DOCKERD_LOG="$DT_CACHE/dockerd.log"
  setsid dockerd >"$DOCKERD_LOG" 2>&1 </dev/null 7>&- 8>&- &
  echo $! >"$DAEMON_PIDFILE"
  if ! wait_for 60 docker info; then
    tail -n 20 "$DOCKERD_LOG" >&2
    echo "dockerd did not start" >&2
    exit 1
  fi
fi
flock -s 8
flock -u 7

# --- The parts --------------------------------------------------------------------------------------

docker_versions=$(printf 'engine %s, client %s, %s' "$(docker version -f '{{.Server.Version}}')" \
  "$(docker version -f '{{.Client.Version}}')" "$(docker-compose version --short 2>/dev/null | sed 's/^/docker-compose /')")
say "::: Docker: $docker_versions"

# part NAME SCRIPT: runs one part; an early stop (not a failed check) counts as a failure too.
part() {
  local started=$SECONDS status=0
  say "::: $1"
  setsid bash "$2" </dev/null &
  PART_PID=$!
  wait "$PART_PID" || status=$?
  PART_PID=
  [ "$status" = 0 ] || fail "$1: stopped early (exit $status)"
  say "::: $1: $((SECONDS - started)) s"
  return "$status"
}

part "base images" tests/docker/base-images.sh || exit 1
part "image checks" tests/docker/image-checks.sh || true
part "compose checks" tests/docker/compose-checks.sh || true
