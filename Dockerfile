# syntax=docker/dockerfile:1
# First draft (issue 6 refines it): one build of the whole workspace, one target per process.
#   docker build --target gateway -t sealroom-gateway .
# Targets: migrate, auth, chat, social, gateway. Later: `turbo prune <pkg> --docker` per service
# for small images and a dependency layer that survives source changes.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# argon2's bundled prebuild crashes on Node 20, so its install script compiles it from source.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV TURBO_TELEMETRY_DISABLED=1 \
    CI=1
COPY . .
RUN npm ci && npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    LOG_PRETTY=false
WORKDIR /app
# Read-only for the service user: only the volumes below are writable.
COPY --from=build /app /app
# Named volumes start as a copy of these directories, so they belong to `node` (uid 1000).
RUN mkdir -p /data /keys && chown node:node /data /keys
USER node

# One-shot: apply the committed migrations to /data/sealroom.db (the Prisma CLI downloads nothing).
FROM runtime AS migrate
ENV DATABASE_URL=file:/data/sealroom.db
CMD ["node", "scripts/prisma.mjs", "migrate", "deploy"]

FROM runtime AS auth
CMD ["node", "services/auth/dist/main.js"]

FROM runtime AS chat
CMD ["node", "services/chat/dist/main.js"]

FROM runtime AS social
CMD ["node", "services/social/dist/main.js"]

FROM runtime AS gateway
ENV HOST=0.0.0.0 \
    PORT=8080 \
    GATEWAY_KEY_FILE=/keys/gateway-key.pem \
    WEB_DIR=/app/apps/web/dist
EXPOSE 8080
CMD ["node", "services/gateway/dist/main.js"]
