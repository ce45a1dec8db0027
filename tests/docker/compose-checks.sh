#!/usr/bin/env bash
# litellm-snippets/docker-compose.yaml as a user runs it: LiteLLM + the shim + PostgreSQL + the
# PostgreSQL MCP server (installed into the shim's image at build time). Seeds a table, then runs
# the field report's query through LiteLLM (model pg_execute_query) and expects those rows back.
# Uses docker-compose 1.29.2 (Debian bookworm's; the v2 plugin is not packaged there), a project
# name of its own, LiteLLM on a 127.0.0.1 port Docker picks (LITELLM_PORT set but empty), and
# tests/docker/compose.test.yaml on top (LiteLLM without cost-map download or telemetry).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/docker/lib.sh
source tests/docker/lib.sh

STACK="litellm-snippets/docker-compose.yaml"
PROJECT="mcpshimtest$DT_RUN_ID"
echo "$PROJECT" >>"$DT_WORK/compose-projects" # run.sh removes what it made, whatever happens here
compose() { docker-compose --ansi never -f "$STACK" -f tests/docker/compose.test.yaml -p "$PROJECT" "$@"; }

POSTGRES_PASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
LITELLM_MASTER_KEY="sk-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
LITELLM_PORT=
export POSTGRES_PASSWORD LITELLM_MASTER_KEY LITELLM_PORT

# --- The files, before running them ----------------------------------------------------------------
locked=$(node -p "require('./package-lock.json').packages['node_modules/@henkey/postgres-mcp-server'].version")
check "docker-compose.yaml installs @henkey/postgres-mcp-server@$locked (the version package-lock.json tests)" \
  grep -qF "\"@henkey/postgres-mcp-server@$locked\"" "$STACK"
check "compose-shim.yaml starts the installed server (no npx)" \
  bash -c '! grep -q npx litellm-snippets/compose-shim.yaml && grep -q "command: postgres-mcp" litellm-snippets/compose-shim.yaml'

# --- Up --------------------------------------------------------------------------------------------
# `up --build` in two steps: `build --force-rm` leaves no container behind when a RUN step fails.
timed "docker-compose build --force-rm (project $PROJECT)" compose build --force-rm
if ! timed "docker-compose up -d" compose up -d; then
  say "        | the services' last log lines:"
  compose logs --no-color --tail=15 2>&1 | sed 's/^/        | /'
  exit 1
fi
shim=$(compose ps -q mcp-postgresql)
litellm=$(compose ps -q litellm)
check "mcp-postgresql: healthy (the image's HEALTHCHECK)" is_healthy "$shim"
check "mcp-postgresql: runs the PostgreSQL MCP server from the image, not npx" \
  bash -c "docker top '$shim' -o pid,args | grep -q '/usr/local/bin/postgres-mcp' && ! docker top '$shim' -o pid,args | grep -q npx"

port=$(host_port "$litellm" 4000)
check "litellm: port 4000 published on 127.0.0.1 (port $port)" test -n "$port"
base="http://127.0.0.1:$port"
started=$SECONDS
if wait_for 180 node tests/docker/http.mjs GET "$base/health/liveliness"; then
  pass "litellm: up (GET /health/liveliness) $((SECONDS - started)) s after compose up"
else
  fail "litellm: up within 180 s" "$(docker logs "$litellm" 2>&1 | tail -n 20)"
fi

# --- Rows in, rows out through LiteLLM --------------------------------------------------------------
timed "seed table docker_test_items (psql in the postgres container)" \
  compose exec -T postgres psql -U postgres -v ON_ERROR_STOP=1 -q -c "
    CREATE TABLE docker_test_items (id serial PRIMARY KEY, name text NOT NULL, qty integer NOT NULL);
    INSERT INTO docker_test_items (name, qty) VALUES
      ('widget-$DT_RUN_ID', 7), ('gadget-$DT_RUN_ID', 42), ('sprocket-$DT_RUN_ID', 1001);"

check "litellm: GET /v1/models lists pg_execute_query" \
  node tests/docker/http.mjs --key "$LITELLM_MASTER_KEY" --body-has '"id":"pg_execute_query"' GET "$base/v1/models"

query() { # SQL: the field report's call, {"operation": "select", "query": SQL} as the user message
  node -e 'console.log(JSON.stringify({ model: "pg_execute_query", messages: [{ role: "user",
    content: JSON.stringify({ operation: "select", query: process.argv[1] }) }] }))' "$1"
}
answer="$DT_WORK/seeded-rows.json"
check "POST /chat/completions pg_execute_query (SELECT the seeded table): 200" \
  bash -c 'node tests/docker/http.mjs --key "$1" POST "$2" "$3" >"$4"' _ \
  "$LITELLM_MASTER_KEY" "$base/chat/completions" "$(query 'SELECT name, qty FROM docker_test_items ORDER BY id')" "$answer"
check "POST /chat/completions pg_execute_query: the three seeded rows and their values, in ORDER BY order" \
  node -e '
    const content = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).choices[0].message.content;
    const at = ["widget", "gadget", "sprocket"].map((name) => content.indexOf(`${name}-${process.argv[2]}`));
    const values = ["7", "42", "1001"].every((qty) => content.includes(qty));
    if (at.some((i) => i < 0) || !(at[0] < at[1] && at[1] < at[2]) || !values) { console.error(content); process.exit(1); }' \
  "$answer" "$DT_RUN_ID"
check "POST /chat/completions pg_execute_query (the compose file's example, pg_database): lists postgres" \
  node tests/docker/http.mjs --key "$LITELLM_MASTER_KEY" --content-has '| postgres |' \
  POST "$base/chat/completions" "$(query 'SELECT datname FROM pg_database')"

# --- Down ------------------------------------------------------------------------------------------
timed "docker-compose down -v" compose down -v --remove-orphans
check "docker-compose down: no container of the project left" \
  test -z "$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT")"
exit 0
