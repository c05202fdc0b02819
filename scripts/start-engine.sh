#!/usr/bin/env bash
# Makes sure a Docker engine answers. Idempotent: does nothing when `docker version` already works.
# On a Debian-like host without dockerd (run as root) it installs Debian's docker.io, starts dockerd
# in the background with its log in $DOCKERD_LOG, and waits until the engine answers.
set -euo pipefail
log="${DOCKERD_LOG:-/var/log/dockerd.log}"

answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if answers; then
  echo "Docker engine answers: $(docker version --format '{{.Server.Version}}')"; exit 0
fi
if [ -n "${DOCKER_HOST:-}" ] && [[ "$DOCKER_HOST" != unix://* ]]; then
  echo "DOCKER_HOST=$DOCKER_HOST does not answer; this script only starts a local engine." >&2; exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "No Docker engine answers and this script needs root to start one. Start Docker, or rerun as root." >&2; exit 1
fi
if ! command -v dockerd >/dev/null; then
  echo "dockerd missing: installing Debian's docker.io"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi
if ! pgrep -x dockerd >/dev/null; then
  echo "Starting dockerd (log: $log)"
  nohup dockerd >>"$log" 2>&1 </dev/null &
fi
for _ in $(seq 1 120); do
  if answers; then echo "Docker engine answers: $(docker version --format '{{.Server.Version}}')"; exit 0; fi
  sleep 0.5
done
echo "dockerd did not answer within 60 s; the last lines of $log:" >&2
tail -n 20 "$log" >&2
exit 1
