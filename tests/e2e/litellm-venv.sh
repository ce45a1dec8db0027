#!/usr/bin/env bash
# Prints the path of a `litellm` proxy binary of the pinned version (litellm-requirements.txt), from
# a cached venv. The cache entry is named by the pin and the file's hash, so an edit reinstalls.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REQUIREMENTS="$HERE/litellm-requirements.txt"
VERSION="$(sed -n 's/^litellm==//p' "$REQUIREMENTS")-$(sha256sum "$REQUIREMENTS" | cut -c1-12)"
exec bash "$HERE/pip-venv.sh" litellm "$VERSION" litellm -r "$REQUIREMENTS"
