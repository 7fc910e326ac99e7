# syntax=docker/dockerfile:1
# One small image per process, built from one shared stage: the workspace is cut down to what the
# images need (`turbo prune --docker`), its dependencies are installed once (`npm ci` compiles
# argon2 and better-sqlite3 from source: 1.5-3 minutes on 2 cores, which six separate installs
# repeated, 11.5 minutes for a first build) and everything is built once; each image then takes
# what its process needs. The `npm ci` layer survives source changes (it sees only package.json
# files and the lockfile), and docker compose's six builds share these stages.
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

# The whole context, pruned once to every image's workspaces into /out/{json,full}.
FROM base AS prune
COPY . .
RUN npx --yes turbo@2.11.11 prune @sealroom/auth @sealroom/chat @sealroom/social @sealroom/gateway @sealroom/web @sealroom/db @sealroom/ops \
      --docker --out-dir /out

# Files outside the workspaces that builds need (prune copies only workspaces): the compiler base
# config, the Prisma schema and migrations, and the scripts the images run.
FROM scratch AS root-files
COPY tsconfig.base.json /tsconfig.base.json
COPY prisma /prisma
COPY prisma.config.ts /prisma.config.ts
COPY scripts/prisma.mjs scripts/pg-schema.mjs scripts/migrate.mjs scripts/db-backup.mjs scripts/db-restore-blobs.mjs \
     scripts/gateway-key.mjs scripts/db-copy.mjs scripts/import-seed.mjs /scripts/
COPY scripts/lib/blob-backup.mjs /scripts/lib/

# ---- shared: dependencies once (cached while package.json files are unchanged), then one build.

FROM toolchain AS deps
COPY --from=prune /out/json/ ./
RUN npm ci

FROM deps AS build
COPY --from=prune /out/full/ ./
COPY --from=root-files / ./
RUN npx turbo run build --filter=@sealroom/auth... --filter=@sealroom/chat... --filter=@sealroom/social... \
      --filter=@sealroom/gateway... --filter=@sealroom/web... --filter=@sealroom/ops...

# Production dependencies only, shared by the service images; each drops what its process never
# loads (other services' code, the web app's React, argon2 outside auth, SQLite in the gateway).
FROM build AS prod
RUN npm prune --omit=dev \
 && rm -rf $BUILD_ONLY

FROM prod AS build-auth
RUN rm -rf services/chat services/social services/gateway apps/web packages/ops \
      node_modules/react node_modules/react-dom node_modules/scheduler

FROM prod AS build-chat
RUN rm -rf services/auth services/social services/gateway apps/web packages/ops \
      node_modules/react node_modules/react-dom node_modules/scheduler node_modules/argon2

FROM prod AS build-social
RUN rm -rf services/auth services/chat services/gateway apps/web packages/ops \
      node_modules/react node_modules/react-dom node_modules/scheduler node_modules/argon2

# The gateway loads neither the database package nor the web app's React (it serves the built
# app): without them ~26 MB of node_modules (checked: the pruned gateway starts, serves the app
# and loads its key).
FROM prod AS build-gateway
RUN rm -rf services/auth services/chat services/social packages/ops \
      node_modules/@prisma node_modules/better-sqlite3 node_modules/react node_modules/react-dom \
      node_modules/scheduler node_modules/argon2

# The migration job keeps the Prisma CLI (a root devDependency), so it takes the build before the
# prune; its image also runs backups (scripts/db-backup.mjs, with better-sqlite3), the move to
# PostgreSQL (scripts/db-copy.mjs) and the import of the original chat room (scripts/import-seed.mjs),
# both with packages/ops.
FROM build AS build-migrate

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
