#!/usr/bin/env bash
# Makes sure a Docker engine answers. Idempotent: does nothing when `docker version` already works.
# On a Debian-like host without dockerd (run as root) it installs Debian's docker.io, starts dockerd
# in the background, in a session of its own (it outlives the site), with its log in $DOCKERD_LOG,
# and waits until the engine answers.
set -euo pipefail
log="${DOCKERD_LOG:-/var/log/dockerd.log}"
dockerd="${DOCKERD:-dockerd}" # the daemon to start (a test starts a stand-in)

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
if ! command -v "$dockerd" >/dev/null; then
  echo "dockerd missing: installing Debian's docker.io"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi
if ! pgrep -x "$(basename "$dockerd")" >/dev/null; then
  echo "Starting dockerd (log: $log; it keeps running after this script and the site stop: stop it with \`kill \$(cat /var/run/docker.pid)\`)"
  # A session of its own: Ctrl-C in the terminal that ran `npm start` signals that terminal's process
  # group, and must not take the engine (and the registries and sandboxes on it) down with the site.
  setsid nohup "$dockerd" >>"$log" 2>&1 </dev/null &
fi
for _ in $(seq 1 120); do
  if answers; then echo "Docker engine answers: $(docker version --format '{{.Server.Version}}')"; exit 0; fi
  sleep 0.5
done
echo "dockerd did not answer within 60 s; the last lines of $log:" >&2
tail -n 20 "$log" >&2
exit 1
