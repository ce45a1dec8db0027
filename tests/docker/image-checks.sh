#!/usr/bin/env bash
# shellcheck disable=SC2317 # the helpers below are run through check and wait_for
# Our Dockerfile, built as committed, then run the ways the README and the Dockerfile's comments
# promise: refusing to start on 0.0.0.0 without keys, serving with keys from a mounted config,
# healthy by its own HEALTHCHECK, unhealthy when its only upstream is dead, as uid 1000, stopping
# cleanly and fast (also while an upstream hangs in its handshake), and following `--port` /
# server.port for the health check.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/docker/lib.sh
source tests/docker/lib.sh

IMAGE="mcp-model-shim-test:$DT_RUN_ID"
KEY="sk-docker-test-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
EVERYTHING=/app/node_modules/@modelcontextprotocol/server-everything/dist/index.js

# The build stage gets a tag of its own, so that run.sh can keep it as the next run's cache and
# drop the one it replaces, rather than leave an untagged copy per run.
timed "docker build --target build . (the Dockerfile as committed)" docker build --force-rm --target build -t "$IMAGE-build" .
timed "docker build . (the Dockerfile as committed)" docker build --force-rm -t "$IMAGE" .

# config NAME: a config directory from stdin, readable by the image's user (uid 1000).
config() {
  local dir="$DT_WORK/config-$1"
  mkdir -p "$dir"
  cat >"$dir/mcp-model-shim.yaml"
  chmod 755 "$dir"
  chmod 644 "$dir/mcp-model-shim.yaml"
  echo "$dir"
}

# start NAME CONFIG_DIR PORT [ARGS...]: a detached shim with CONFIG_DIR at /config, container port
# PORT published on 127.0.0.1 on a port Docker picks, health checked every second (failures
# counting after HEALTH_START_PERIOD, 30 s unless set).
start() {
  local name="mcpshim-$DT_RUN_ID-$1" dir=$2 port=$3
  shift 3
  docker run -d --name "$name" --label "$DT_LABEL=$DT_RUN_ID" \
    --health-interval=1s --health-timeout=5s --health-retries=3 --health-start-period="${HEALTH_START_PERIOD:-30s}" \
    -p "127.0.0.1::$port" -v "$dir:/config:ro" "$IMAGE" "$@" >/dev/null
  echo "$name"
}

# healthy CONTAINER: waits for the HEALTHCHECK's verdict; on failure shows its probes and logs.
healthy() {
  if wait_for 60 is_healthy "$1"; then return 0; fi
  echo "health: $(health "$1")"
  docker inspect -f '{{range .State.Health.Log}}{{.ExitCode}} {{.Output}}{{end}}' "$1" | tail -n 5
  docker logs "$1" 2>&1 | tail -n 10
  return 1
}

# test_health CONTAINER STATUS: the container's health is STATUS now.
test_health() { [ "$(health "$1")" = "$2" ]; }

# stops_cleanly CONTAINER: `docker stop` (10 s grace) ends it with exit code 0 within 2 s.
stops_cleanly() {
  local started ms code
  started=$(date +%s%N)
  docker stop -t 10 "$1" >/dev/null
  ms=$((($(date +%s%N) - started) / 1000000))
  code=$(docker inspect -f '{{.State.ExitCode}}' "$1")
  echo "stopped in $ms ms, exit code $code"
  docker logs "$1" 2>&1 | tail -n 5
  [ "$code" = 0 ] && [ "$ms" -lt 2000 ]
}

# listening CONTAINER TEXT...: the start-up `listening` log line has every TEXT.
listening() {
  local line
  line=$(docker logs "$1" 2>&1 | grep -F '"message":"listening"')
  shift
  for text in "$@"; do
    grep -qF -- "$text" <<<"$line" || { echo "no $text in: $line"; return 1; }
  done
}

# --- No config: the embedded default on 0.0.0.0 without keys is refused -----------------------------
out=$(timeout 60 docker run --name "mcpshim-$DT_RUN_ID-nokeys" --label "$DT_LABEL=$DT_RUN_ID" "$IMAGE" 2>&1) && code=0 || code=$?
if [ "$code" = 2 ] && grep -q 'refusing to listen on 0.0.0.0 without API keys' <<<"$out"; then
  pass "docker run IMAGE (no config): exits 2, \"refusing to listen on 0.0.0.0 without API keys\""
else
  fail "docker run IMAGE (no config): exits 2 with a clear message (got exit $code)" "$out"
fi

# --- A mounted config with an API key: the README's calls through the published port --------------
keys=$(config keys <<EOF
server:
  apiKeys: ["$KEY"]
mcpServers:
  everything:
    command: node
    args: ["$EVERYTHING", "stdio"]
    tools: { include: ["echo", "get-sum"] }
EOF
)
shim=$(start keys "$keys" 8080)
check "HEALTHCHECK: healthy (mcp-model-shim healthcheck --ready)" healthy "$shim"
port=$(host_port "$shim" 8080)
base="http://127.0.0.1:$port"
check "GET /v1/models with the key: 200, lists echo" \
  node tests/docker/http.mjs --key "$KEY" --body-has '"id":"echo"' GET "$base/v1/models"
check "GET /v1/models without a key: 401" node tests/docker/http.mjs --status 401 GET "$base/v1/models"
check "README curl (POST /tools/echo/chat/completions): \"Echo: Hello from LiteLLM\"" \
  node tests/docker/http.mjs --key "$KEY" --content-has 'Echo: Hello from LiteLLM' POST "$base/tools/echo/chat/completions" \
  '{"model": "echo", "messages": [{"role": "user", "content": "Hello from LiteLLM"}]}'
check "start-up log: host and port from the image's HOST/PORT environment" \
  listening "$shim" '"hostFrom":"environment"' '"portFrom":"environment"' '"url":"http://0.0.0.0:8080"'
check "runs as uid 1000 (docker exec id -u)" test "$(docker exec "$shim" id -u)" = 1000
check "PID 1 is node as uid 1000 (/proc/1/status)" \
  bash -c "docker exec '$shim' cat /proc/1/status | grep -qE '^Uid:\s+1000\s+1000' && docker exec '$shim' cat /proc/1/cmdline | tr '\0' ' ' | grep -q '^node /app/dist/cli.js serve'"
# The mounted config edited on the host, then SIGHUP: get-sum leaves the listing, echo stays.
pid1=$(docker exec "$shim" cat /proc/1/stat | cut -d' ' -f1)
sed -i 's/include: \["echo", "get-sum"\]/include: ["echo"]/' "$keys/mcp-model-shim.yaml"
docker kill -s HUP "$shim" >/dev/null
check "docker kill -s HUP: the mounted config is reloaded (get-sum gone from /v1/models, echo kept)" \
  wait_for 10 node tests/docker/http.mjs --key "$KEY" --body-has '"id":"echo"' --body-lacks '"id":"get-sum"' GET "$base/v1/models"
check "docker kill -s HUP: logged \"config reloaded\", the server kept; the container still runs" \
  bash -c "docker logs '$shim' 2>&1 | grep -F '\"message\":\"config reloaded\"' | grep -qF '\"kept\":[\"everything\"]' && [ \"\$(docker exec '$shim' cat /proc/1/stat | cut -d' ' -f1)\" = '$pid1' ]"
check "docker stop: exit code 0 within 2 s" stops_cleanly "$shim"

# --- An upstream stuck before initialize: stopping during start-up is still clean and fast ---------
stuck=$(config stuck <<EOF
server:
  apiKeys: ["$KEY"]
mcpServers:
  stuck:
    command: node
    args: ["-e", "setInterval(() => {}, 1000)"]
EOF
)
shim=$(start stuck "$stuck" 8080)
# Stop while the shim waits for that child's handshake: once the child is running.
check "stuck upstream: its process started" wait_for 30 bash -c "docker top '$shim' -o pid,args | grep -q setInterval"
check "stuck upstream: not healthy while it waits for the handshake (health: starting)" test "$(health "$shim")" = starting
check "stuck upstream: docker stop during start-up: exit code 0 within 2 s" stops_cleanly "$shim"

# --- The only upstream dead: the HEALTHCHECK (readiness) says unhealthy; /health still answers 200 --
dead=$(config dead <<EOF
server:
  apiKeys: ["$KEY"]
mcpServers:
  gone:
    command: node
    args: ["-e", "process.exit(3)"]
EOF
)
shim=$(HEALTH_START_PERIOD=1s start dead "$dead" 8080)
check "only upstream dead: unhealthy (the HEALTHCHECK probes /ready)" wait_for 60 test_health "$shim" unhealthy
port=$(host_port "$shim" 8080)
check "only upstream dead: GET /ready 503 naming it, without a key" \
  node tests/docker/http.mjs --status 503 --body-has '"gone":{"kind":"stdio","state":"down"' GET "http://127.0.0.1:$port/ready"
check "only upstream dead: GET /health 200 (liveness)" node tests/docker/http.mjs GET "http://127.0.0.1:$port/health"
check "only upstream dead: docker stop: exit code 0 within 2 s" stops_cleanly "$shim"

# --- serve --port N: the HEALTHCHECK follows the port actually bound --------------------------------
shim=$(start flag "$keys" 9090 serve --port 9090)
check "serve --port 9090: healthy" healthy "$shim"
check "serve --port 9090: GET /v1/models on the published port: 200" \
  node tests/docker/http.mjs --key "$KEY" --body-has '"id":"echo"' GET "http://127.0.0.1:$(host_port "$shim" 9090)/v1/models"
check "serve --port 9090: log says the port came from the command line" listening "$shim" '"portFrom":"command line"' '"url":"http://0.0.0.0:9090"'
check "serve --port 9090: docker stop: exit code 0 within 2 s" stops_cleanly "$shim"

# --- server.port in the mounted config beats the image's PORT=8080 ---------------------------------
port_config=$(config port <<EOF
server:
  port: 9091
  apiKeys: ["$KEY"]
mcpServers:
  everything:
    command: node
    args: ["$EVERYTHING", "stdio"]
    tools: { include: ["echo"] }
EOF
)
shim=$(start config-port "$port_config" 9091)
check "server.port 9091 in the config: healthy" healthy "$shim"
check "server.port 9091 in the config: GET /v1/models on the published port: 200" \
  node tests/docker/http.mjs --key "$KEY" --body-has '"id":"echo"' GET "http://127.0.0.1:$(host_port "$shim" 9091)/v1/models"
check "server.port 9091 in the config: log says the port came from the config file" listening "$shim" '"portFrom":"config file"' '"url":"http://0.0.0.0:9091"'
check "server.port 9091 in the config: docker stop: exit code 0 within 2 s" stops_cleanly "$shim"

# The failures are in the results; this part's exit status says only whether it ran to the end.
exit 0
