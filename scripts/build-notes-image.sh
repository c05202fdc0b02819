#!/usr/bin/env bash
# Builds the self-hosted notes image, runnable-docker-notes/notes:latest (or $NOTES_IMAGE), that
# compose.yaml runs. The Dockerfile says why its context is prepared here on the host:
#   1. the base: scripts/build-node-base.sh, unless BASE names another image (node:24-bookworm-slim);
#   2. the site, built into dist/ when it is missing or older than its sources;
#   3. a staging folder (.cache/notes-image) with the server, the site, and the production
#      dependencies installed by npm from the lock file;
#   4. `docker build` of that folder, skipped when the image was built from the same inputs.
# Needs Docker, and Node >= 22.12 with npm (scripts/ensure-node.sh puts one on PATH).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
NOTES_IMAGE="${NOTES_IMAGE:-runnable-docker-notes/notes:latest}"
BASE="${BASE:-runnable-docker-notes/node-base:latest}"
export PATH="$(bash scripts/ensure-node.sh):$PATH"

if [ "$BASE" = "runnable-docker-notes/node-base:latest" ]; then
  NODE_BASE="$BASE" bash scripts/build-node-base.sh
else
  docker image inspect "$BASE" >/dev/null 2>&1 || docker pull -q "$BASE" >/dev/null
fi

[ -d node_modules ] || npm ci --no-audit --no-fund
node --input-type=module -e "const { ensureSiteBuilt } = await import('./server/site-build.ts'); await ensureSiteBuilt('dist', console.log);"

stage="$root/.cache/notes-image"
mkdir -p "$stage"
# Production dependencies, installed again only when the lock file changed (installed-lock is
# written last, so an install that broke off is done again). No install scripts: the server needs
# no native addon (ssh2 falls back to JavaScript), and none gets built for the host by mistake.
if ! cmp -s package-lock.json "$stage/installed-lock"; then
  echo "[$NOTES_IMAGE] installing the production dependencies into $stage"
  rm -rf "$stage/node_modules" "$stage/installed-lock"
  cp package.json package-lock.json "$stage/"
  (cd "$stage" && npm ci --omit=dev --no-audit --no-fund --prefer-offline --ignore-scripts >/dev/null)
  cp package-lock.json "$stage/installed-lock"
fi
# -p: the server inside rebuilds a site older than package.json, so its time must stay the source's.
cp -p package.json package-lock.json Dockerfile "$stage/"
rm -rf "$stage/server" "$stage/dist"
cp -a server "$stage/server"; cp -a dist "$stage/dist"

# The image records the hash of its inputs (base image, Dockerfile, lock file, server, site), so an
# unchanged tree reuses it.
recipe=$({
  docker image inspect -f '{{.Id}}' "$BASE"
  cd "$stage" && find Dockerfile package.json package-lock.json server dist -type f -print0 | sort -z | xargs -0 sha256sum
  # The times too: the server compares these two to decide whether its site is stale.
  stat -c '%n %Y' package.json dist/index.html
} | sha256sum | cut -c1-16)
if [ "$(docker image inspect -f '{{index .Config.Labels "runnable-docker-notes.recipe"}}' "$NOTES_IMAGE" 2>/dev/null)" = "$recipe" ]; then
  echo "[$NOTES_IMAGE] present (same inputs)"; exit 0
fi
old=$(docker image inspect -f '{{.Id}}' "$NOTES_IMAGE" 2>/dev/null || true)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The classic builder, as for the other local images: it needs no BuildKit parts on the host.
# --no-cache: the builder matches COPY layers by content alone and would keep the old file times.
if ! DOCKER_BUILDKIT=0 docker build --no-cache --build-arg "BASE=$BASE" --label "runnable-docker-notes.recipe=$recipe" \
    -t "$NOTES_IMAGE" "$stage" >"$log" 2>&1; then
  echo "[$NOTES_IMAGE] docker build failed:" >&2; cat "$log" >&2; exit 1
fi
# The image it replaces, unless a container still uses it.
[ -n "$old" ] && docker rmi "$old" >/dev/null 2>&1 || true
echo "[$NOTES_IMAGE] built"
