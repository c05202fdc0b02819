# The app: the built site (dist/) and the Express server, which drives the host's Docker engine
# through its API (dockerode; no docker CLI needed) and gives each visitor a sandbox container.
# compose.yaml runs it; HOSTING.md has the steps.
#
# The sandbox image (runnable-docker-notes/sandbox:latest) is not built here and is not on Docker
# Hub: it must exist on the engine the server drives (sudo bash scripts/build-images.sh).

# Build: all dependencies, then the static site and its Pagefind index into dist/.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# Production dependencies only, for the runtime image.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# Runtime: Node runs server/*.ts directly (type stripping). src/ is not needed: the server imports
# nothing from it. With docs/ and src/ absent the server never finds dist/ stale, so it never
# rebuilds the site at start-up.
FROM node:24-bookworm-slim
WORKDIR /app
# SKIP_PREPARE: start.mjs must not run scripts/prepare.mjs (npm ci, engine, images) in here.
ENV NODE_ENV=production SKIP_PREPARE=1
COPY package.json package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY server ./server
COPY --from=build /app/dist ./dist

# HOST stays unset (127.0.0.1): listening on all interfaces needs an auth method as well, so
# compose.yaml sets HOST together with NOTES_PASSWORD_HASH.
EXPOSE 4321

# Runs as the unprivileged user `node`. The engine's socket must be mounted and readable by it:
# add the socket's group (compose: group_add with `stat -c %g /var/run/docker.sock`), or, where the
# socket allows only root (mode 0600), run the container as root (compose: user: root).
USER node

# Healthy when the server answers and reaches the engine, and the sandbox image is there.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4321) + '/api/health').then(async (r) => { if (!r.ok) throw new Error('HTTP ' + r.status); const h = await r.json(); if (h.engine && !h.engine.reachable) throw new Error(h.engine.error); if (h.sandboxImage && !h.sandboxImage.present) throw new Error('sandbox image ' + h.sandboxImage.name + ' missing'); }).catch((e) => { console.error(e.message); process.exit(1); })"]

CMD ["node", "server/start.mjs"]
