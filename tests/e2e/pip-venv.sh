#!/usr/bin/env bash
# Usage: pip-venv.sh NAME VERSION BINARY PIP-ARGS...
# Prints the path of BINARY from a cached virtual environment made by `pip install PIP-ARGS...`,
# installing it the first time. VERSION names the cache entry: change it when PIP-ARGS change.
# The cache is shared by every clone on this machine, so the install holds a lock: a second run
# waits for the first instead of removing its half-made venv.
set -euo pipefail

NAME="$1" VERSION="$2" BINARY="$3"
shift 3
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/mcp-model-shim"
VENV="$CACHE/$NAME-$VERSION"

mkdir -p "$CACHE"
exec 9>"$CACHE/$NAME-$VERSION.lock"
flock 9
if [ ! -x "$VENV/bin/$BINARY" ] || [ ! -f "$VENV/.complete" ]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "$@" >&2
  touch "$VENV/.complete"
fi
echo "$VENV/bin/$BINARY"
