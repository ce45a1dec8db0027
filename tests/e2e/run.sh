#!/usr/bin/env bash
# End-to-end suite: the real LiteLLM proxy (pinned, cached venv) and a throwaway PostgreSQL, both
# on loopback, started here and stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."

LITELLM_BIN="$(bash tests/e2e/litellm-venv.sh)"
export LITELLM_BIN
export E2E_PGPORT="${E2E_PGPORT:-55432}"
export E2E_DATABASE_URL="postgresql://postgres@127.0.0.1:$E2E_PGPORT/shim_e2e"

npm run build --silent
bash tests/e2e/postgres.sh start
trap 'bash tests/e2e/postgres.sh stop' EXIT
npx jest -c jest.e2e.config.ts "$@"
