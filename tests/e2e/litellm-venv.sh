#!/usr/bin/env bash
# Prints the path of a `litellm` proxy binary of the pinned version, from a cached venv.
set -euo pipefail
VERSION="1.108.6"   # newer releases pin litellm-proxy-extras / litellm-enterprise builds the registry lacks here
exec bash "$(dirname "$0")/pip-venv.sh" litellm "$VERSION" "litellm[proxy]==$VERSION" litellm
