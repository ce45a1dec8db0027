#!/usr/bin/env bash
# End-to-end suite: the real LiteLLM proxy (pinned, cached venv) and a throwaway PostgreSQL, both
# on loopback on ports the kernel hands out, started here and stopped on exit. Nothing is shared
# with another run on the same machine but the venv cache (which litellm-venv.sh locks).
set -euo pipefail
cd "$(dirname "$0")/../.."

LITELLM_BIN="${LITELLM_BIN:-$(bash tests/e2e/litellm-venv.sh)}"
export LITELLM_BIN
# oteltest's OTLP receiver, for the tracing test.
OTLP_SINK_PYTHON="$(bash tests/e2e/pip-venv.sh oteltest 0.49.0 python3 oteltest==0.49.0)"
export OTLP_SINK_PYTHON

npm run build --silent
E2E_PGDATA="$(mktemp -d "${TMPDIR:-/tmp}/shim-e2e-pg.XXXXXX")"
export E2E_PGDATA
trap 'bash tests/e2e/postgres.sh stop' EXIT
E2E_PGPORT="$(bash tests/e2e/postgres.sh start)"
export E2E_PGPORT
export E2E_DATABASE_URL="postgresql://postgres@127.0.0.1:$E2E_PGPORT/shim_e2e"
npx jest -c jest.e2e.config.ts "$@"
