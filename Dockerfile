# Build: compile TypeScript with the full dependency set.
# (No `# syntax=` line: BuildKit would fetch that frontend from Docker Hub before building.)
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Runtime: production dependencies and the compiled code only, as a non-root user.
FROM node:20-bookworm-slim
# HOST and PORT are defaults: `--host`/`--port` and a mounted config's server.host/server.port win.
# `serve` writes the address it bound to MCP_SHIM_ADDRESS_FILE; the HEALTHCHECK probes that address.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 MCP_SHIM_ADDRESS_FILE=/tmp/mcp-model-shim.address
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# stdio MCP servers to install into the image (npm package specs, space-separated), so they start
# without fetching anything: e.g. --build-arg MCP_SERVER_PACKAGES=@henkey/postgres-mcp-server@1.0.7,
# then `command: postgres-mcp` in the config. Empty by default.
ARG MCP_SERVER_PACKAGES=""
RUN if [ -n "$MCP_SERVER_PACKAGES" ]; then \
      npm install -g --no-audit --no-fund $MCP_SERVER_PACKAGES && npm cache clean --force; \
    fi
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8080
# Mount a config at /config/mcp-model-shim.yaml; without one the embedded default is served.
# HOST is 0.0.0.0, so the shim refuses to start without server.apiKeys in that config, unless
# the command says `serve --allow-unauthenticated` (a private network only).
VOLUME /config
# Readiness (/ready): healthy while an upstream is connected, not while every one is down or once a
# shutdown began. Probes the port `serve` actually bound (from MCP_SHIM_ADDRESS_FILE).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["node", "/app/dist/cli.js", "healthcheck", "--ready"]
# Exec form: signals reach node directly, so SIGTERM shuts down cleanly.
WORKDIR /config
ENTRYPOINT ["node", "/app/dist/cli.js"]
CMD ["serve"]
