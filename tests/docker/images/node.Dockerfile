# Stand-in for node:20-bookworm-slim (tests/docker/base-images.sh builds it when Docker Hub is out
# of reach): Debian bookworm, this machine's Node 20 binary, npm 10, and a `node` user with
# uid/gid 1000 and home /home/node, as in the official image. The build context holds `node`,
# `npm.tgz` (npm pack) and `npmrc` (this machine's registry, the CA bundle as cafile).
ARG BASE
FROM ${BASE}
ARG NODE_VERSION
ENV NODE_VERSION=${NODE_VERSION}
COPY node /usr/local/bin/node
COPY npm.tgz npmrc /tmp/npm/
RUN mkdir -p /usr/local/lib/node_modules/npm /usr/local/etc \
 && tar -xzf /tmp/npm/npm.tgz --strip-components=1 -C /usr/local/lib/node_modules/npm \
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && mv /tmp/npm/npmrc /usr/local/etc/npmrc \
 && rm -rf /tmp/npm \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
# Node reads the machine's CAs too (HTTPS from containers may be re-signed by a local CA).
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
