# syntax=docker/dockerfile:1
# One small image per process, each built from the workspace cut down to that process and the
# packages it depends on (`turbo prune <pkg> --docker`), so a change to one service rebuilds one
# image and the `npm ci` layer survives source changes.
#   docker build --target gateway -t sealroom-gateway .
# Targets: migrate, auth, chat, social, gateway (the gateway image also holds the web app and
# scripts/gateway-key.mjs, which the compose `keygen` job runs). docker-compose.yml builds them all.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS base
ENV TURBO_TELEMETRY_DISABLED=1 \
    CI=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false
WORKDIR /app

# argon2's bundled prebuild crashes on Node 20, so its install script compiles it from source;
# better-sqlite3 compiles when no prebuild matches.
FROM base AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# What `npm prune --omit=dev` keeps as peers of @prisma/client but no service loads: the Prisma
# CLI and its engines, TypeScript. The JS engine with the better-sqlite3 adapter runs without
# them (checked against a pruned auth build), and they are ~130 MB of a ~250 MB image.
ENV BUILD_ONLY="node_modules/prisma node_modules/typescript node_modules/effect node_modules/@prisma/engines node_modules/@prisma/fetch-engine node_modules/@prisma/get-platform node_modules/@prisma/config"

# The whole context, pruned once per target into /out/<target>/{json,full}.
FROM base AS prune
COPY . .
RUN npx --yes turbo@2.11.11 prune @sealroom/auth --docker --out-dir /out/auth \
 && npx --yes turbo@2.11.11 prune @sealroom/chat --docker --out-dir /out/chat \
 && npx --yes turbo@2.11.11 prune @sealroom/social --docker --out-dir /out/social \
 && npx --yes turbo@2.11.11 prune @sealroom/gateway @sealroom/web --docker --out-dir /out/gateway \
 && npx --yes turbo@2.11.11 prune @sealroom/db --docker --out-dir /out/migrate

# Files outside the workspaces that builds need (prune copies only workspaces): the compiler base
# config, the Prisma schema and migrations, and the CLI shim.
FROM scratch AS root-files
COPY tsconfig.base.json /tsconfig.base.json
COPY prisma /prisma
COPY prisma.config.ts /prisma.config.ts
COPY scripts/prisma.mjs /scripts/prisma.mjs

# ---- builds: dependencies first (cached while package.json files are unchanged), then sources.

FROM toolchain AS build-auth
COPY --from=prune /out/auth/json/ ./
RUN npm ci
COPY --from=prune /out/auth/full/ ./
COPY --from=root-files / ./
RUN npx turbo run build --filter=@sealroom/auth... \
 && npm prune --omit=dev \
 && rm -rf $BUILD_ONLY

FROM toolchain AS build-chat
COPY --from=prune /out/chat/json/ ./
RUN npm ci
COPY --from=prune /out/chat/full/ ./
COPY --from=root-files / ./
RUN npx turbo run build --filter=@sealroom/chat... \
 && npm prune --omit=dev \
 && rm -rf $BUILD_ONLY

FROM toolchain AS build-social
COPY --from=prune /out/social/json/ ./
RUN npm ci
COPY --from=prune /out/social/full/ ./
COPY --from=root-files / ./
RUN npx turbo run build --filter=@sealroom/social... \
 && npm prune --omit=dev \
 && rm -rf $BUILD_ONLY

FROM toolchain AS build-gateway
COPY --from=prune /out/gateway/json/ ./
RUN npm ci
COPY --from=prune /out/gateway/full/ ./
COPY --from=root-files / ./
COPY scripts/gateway-key.mjs ./scripts/gateway-key.mjs
# The prune keeps the database package (a test dependency of the gateway) and the web app's React,
# neither of which the gateway loads: without them ~26 MB of node_modules instead of ~135 MB
# (checked: the pruned gateway starts, serves the app and loads its key).
RUN npx turbo run build --filter=@sealroom/gateway... --filter=@sealroom/web... \
 && npm prune --omit=dev \
 && rm -rf $BUILD_ONLY node_modules/@prisma node_modules/better-sqlite3 node_modules/react node_modules/react-dom

# The migration job keeps the Prisma CLI (a root devDependency); its image also runs backups
# (scripts/db-backup.mjs, better-sqlite3 comes with the database package).
FROM toolchain AS build-migrate
COPY --from=prune /out/migrate/json/ ./
RUN npm ci
COPY --from=prune /out/migrate/full/ ./
COPY --from=root-files / ./
COPY scripts/db-backup.mjs scripts/migrate.mjs ./scripts/

# ---- runtime images: no compiler, no sources' dev dependencies, an unprivileged user.

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    LOG_PRETTY=false
WORKDIR /app
# Named volumes start as a copy of these directories, so they belong to `node` (uid 1000) and only
# to it (0700). The processes also run with umask 077 (packages/db, scripts/prisma.mjs), so the
# database, WAL, SHM and backups are 0600.
RUN mkdir -p /data /keys && chown node:node /data /keys && chmod 0700 /data /keys

FROM runtime AS migrate
COPY --from=build-migrate /app /app
USER node
ENV DATABASE_URL=file:/data/sealroom.db
# Exits 0 at once when nothing is pending (compose re-runs it on every `up`, with the services
# running); refuses, in one line, to change the schema under running services.
CMD ["node", "scripts/migrate.mjs"]

FROM runtime AS auth
COPY --from=build-auth /app /app
USER node
ENV HTTP_PORT=9090
EXPOSE 9090
CMD ["node", "services/auth/dist/main.js"]

FROM runtime AS chat
COPY --from=build-chat /app /app
USER node
ENV HTTP_PORT=9090
EXPOSE 9090
CMD ["node", "services/chat/dist/main.js"]

FROM runtime AS social
COPY --from=build-social /app /app
USER node
ENV HTTP_PORT=9090
EXPOSE 9090
CMD ["node", "services/social/dist/main.js"]

FROM runtime AS gateway
COPY --from=build-gateway /app /app
USER node
# /metrics on 9090 (inside the network), never on the public 8080.
ENV HOST=0.0.0.0 \
    PORT=8080 \
    HTTP_PORT=9090 \
    GATEWAY_KEY_FILE=/keys/gateway-key.pem \
    WEB_DIR=/app/apps/web/dist
EXPOSE 8080 9090
CMD ["node", "services/gateway/dist/main.js"]
