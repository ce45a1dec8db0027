#!/usr/bin/env bash
# Prints the path of a `litellm` proxy binary of the pinned version, installing it into a cached
# virtual environment the first time (shared by every clone on this machine, so the install holds
# a lock: a second run waits for the first instead of removing its half-made venv).
set -euo pipefail

VERSION="1.108.6"   # newer releases pin litellm-proxy-extras / litellm-enterprise builds the registry lacks here
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/mcp-model-shim"
VENV="$CACHE/litellm-$VERSION"

mkdir -p "$CACHE"
exec 9>"$CACHE/litellm-$VERSION.lock"
flock 9
if [ ! -x "$VENV/bin/litellm" ] || [ ! -f "$VENV/.complete" ]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "litellm[proxy]==$VERSION" >&2
  touch "$VENV/.complete"
fi
echo "$VENV/bin/litellm"
