#!/usr/bin/env bash
# Builds the images the project needs without any container registry, only when they are missing
# (or with --rebuild), from Debian packages with debootstrap + `docker import`:
#   - the sandbox image (Docker-in-Docker, a rootless inner engine by default), $SANDBOX_IMAGE
#   - stand-ins for the images the notes use: ubuntu:latest, python:3.12-slim
#   - a registry image (Debian's docker-registry), started as two containers on loopback:
#       a plain registry seeded with the stand-ins under their Docker Hub names, then served read-only,
#       used as the sandbox engines' --registry-mirror, and a registry with htpasswd auth for login/push/pull.
# Run as root on a Debian-like host with a Docker engine (scripts/start-engine.sh).
# On a machine that reaches Docker Hub none of this is needed except the sandbox image.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rebuild=0; [ "${1:-}" = "--rebuild" ] && rebuild=1

SANDBOX_IMAGE="${SANDBOX_IMAGE:-runnable-docker-notes/sandbox:latest}"
REGISTRY_IMAGE="runnable-docker-notes/registry:latest"
MIRROR_PORT="${MIRROR_PORT:-5000}"
AUTH_REGISTRY_PORT="${AUTH_REGISTRY_PORT:-5001}"
state="${RDN_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/runnable-docker-notes}"
label="runnable-docker-notes.role"
# Each image stores the hash of its own recipe (name, packages, settings, files), so only an image
# whose recipe changed is rebuilt.
recipe_of() {
  {
    echo "$@"
    if [ -n "${RECIPE_FILES:-}" ]; then cat $RECIPE_FILES; fi
    if [ -n "${ROOTFS_HOOK:-}" ]; then declare -f "$ROOTFS_HOOK"; fi
  } | sha256sum | cut -c1-16
}

suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
mirror_url() {
  [ -n "${DEBIAN_MIRROR:-}" ] && { echo "$DEBIAN_MIRROR"; return; }
  local u
  u=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -z "$u" ] && u=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$u" ] || { echo "No Debian mirror found in the apt sources; set DEBIAN_MIRROR." >&2; exit 1; }
  echo "$u"
}

image_current() { # name recipe: present and built from this recipe
  [ "$rebuild" = 0 ] && [ "$(docker image inspect -f '{{index .Config.Labels "runnable-docker-notes.recipe"}}' "$1" 2>/dev/null)" = "$2" ]
}

# debootstrap NAME PACKAGES then `docker import` it with the given --change lines.
bootstrap_image() {
  local name=$1 pkgs=$2; shift 2
  local recipe; recipe=$(recipe_of "$name" "$suite" "$pkgs" "$@")
  image_current "$name" "$recipe" && { echo "[$name] present"; return; }
  local dir; dir=$(mktemp -d /var/tmp/rdn-rootfs.XXXXXX)
  echo "[$name] debootstrap $suite ($pkgs)"
  mkdir -p "$state/debootstrap-cache/${name//[:/]/_}"
  if ! debootstrap --variant=minbase --cache-dir="$state/debootstrap-cache/${name//[:/]/_}" --include="$pkgs" \
      "$suite" "$dir" "$(mirror_url)" >"$dir.log" 2>&1; then
    echo "[$name] debootstrap failed; last lines of $dir.log:" >&2; tail -n 20 "$dir.log" >&2; return 1
  fi
  [ -n "${ROOTFS_HOOK:-}" ] && "$ROOTFS_HOOK" "$dir"
  chroot "$dir" apt-get clean
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/tmp/*
  tar -C "$dir" --numeric-owner -c . | docker import \
    --change "LABEL runnable-docker-notes.recipe=$recipe" "$@" - "$name" >/dev/null
  rm -rf "$dir" "$dir.log"
  echo "[$name] built"
}

sandbox_rootfs() {
  install -m 0755 "$here/images/sandbox-entrypoint" "$1/usr/local/bin/sandbox-entrypoint"
  # The unprivileged user that runs the rootless inner engine and every command of a reader, with
  # 65536 subordinate ids for the user namespace of the engine's containers.
  chroot "$1" useradd --create-home --uid 1000 --user-group --shell /bin/bash rdn
  echo 'rdn:100000:65536' >"$1/etc/subuid"; echo 'rdn:100000:65536' >"$1/etc/subgid"
  # /run/rdn is in the image: made at start-up, it raced the server's upload of its files there
  # (the engine's untar saw no folder, then failed to make it: "mkdir /run/rdn: file exists").
  mkdir -p "$1/workspace" "$1/home/rdn/.local/share/docker" "$1/etc/rdn/docker-config" "$1/run/rdn/runs"
  chroot "$1" chown -R rdn:rdn /workspace /home/rdn /run/rdn
  # The engine's own docker CLI config for the server's helpers: root's, so a reader cannot change it.
  chmod 0755 "$1/etc/rdn" "$1/etc/rdn/docker-config"
  # No setuid or setgid program but the two id mappers: nothing a reader runs can become root.
  find "$1" -xdev -type f -perm /6000 ! -name newuidmap ! -name newgidmap -exec chmod ug-s {} +
  # Set as setuid (file capabilities do not survive the tar into `docker import`).
  chmod 4755 "$1/usr/bin/newuidmap" "$1/usr/bin/newgidmap"
  # Tab completion of docker commands in interactive shells.
  echo '[ -f /usr/share/bash-completion/bash_completion ] && . /usr/share/bash-completion/bash_completion' >>"$1/etc/bash.bashrc"
}

build_sandbox() {
  RECIPE_FILES="$here/images/sandbox-entrypoint" ROOTFS_HOOK=sandbox_rootfs bootstrap_image "$SANDBOX_IMAGE" \
    docker.io,iptables,bash,coreutils,procps,ca-certificates,curl,bash-completion,tini,less,nano,rootlesskit,slirp4netns,uidmap,iproute2 \
    --change 'ENTRYPOINT ["/usr/bin/tini","--","/usr/local/bin/sandbox-entrypoint"]' \
    --change 'WORKDIR /workspace' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TERM=xterm-256color'
}
build_ubuntu() {
  bootstrap_image ubuntu:latest bash,procps --change 'CMD ["/bin/bash"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
}
build_python() {
  bootstrap_image python:3.12-slim python3 --change 'CMD ["python3"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8'
}
build_registry_image() {
  local bin; bin=$(command -v docker-registry) || { echo "docker-registry missing: apt-get install docker-registry" >&2; return 1; }
  local recipe; recipe=$(RECIPE_FILES="$bin $here/images/registry-config.yml" recipe_of registry "$(docker image inspect -f '{{.Id}}' ubuntu:latest)")
  image_current "$REGISTRY_IMAGE" "$recipe" && { echo "[$REGISTRY_IMAGE] present"; return; }
  local ctx; ctx=$(mktemp -d)
  cp "$bin" "$ctx/docker-registry"; cp "$here/images/registry-config.yml" "$ctx/config.yml"
  printf '%s\n' 'FROM ubuntu:latest' 'COPY docker-registry /usr/bin/docker-registry' \
    'COPY config.yml /etc/docker/registry/config.yml' 'EXPOSE 5000' \
    "LABEL runnable-docker-notes.recipe=$recipe" \
    'ENTRYPOINT ["/usr/bin/docker-registry","serve","/etc/docker/registry/config.yml"]' >"$ctx/Dockerfile"
  DOCKER_BUILDKIT=0 docker build -q -t "$REGISTRY_IMAGE" "$ctx" >/dev/null 2>&1
  rm -rf "$ctx"; echo "[$REGISTRY_IMAGE] built"
}

# start_registry NAME PORT [docker run args...]: (re)creates the container when missing or stale.
start_registry() {
  local name=$1 port=$2; shift 2
  local have; have=$(docker inspect -f '{{.Image}} {{.State.Running}}' "$name" 2>/dev/null || true)
  local want; want=$(docker image inspect -f '{{.Id}}' "$REGISTRY_IMAGE")
  if [ "$have" = "$want true" ] && [ "$rebuild" = 0 ] && [ "${FORCE_RECREATE:-0}" = 0 ]; then
    echo "[$name] running on 127.0.0.1:$port"; return
  fi
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker run -d --name "$name" --restart unless-stopped --label "$label=registry" \
    -p "127.0.0.1:$port:5000" -v "$name-data:/var/lib/registry${REGISTRY_VOLUME_MODE:+:$REGISTRY_VOLUME_MODE}" "$@" "$REGISTRY_IMAGE" >/dev/null
  for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$port/v2/" -o /dev/null 2>/dev/null && break; sleep 0.2; done
  echo "[$name] started on 127.0.0.1:$port"
}
registry_ready() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/v2/" | grep -qE '200|401'; }

STAND_INS="ubuntu:latest python:3.12-slim"

# mirror_has PORT IMAGE: the registry on PORT serves the image as built now (its manifest's config
# digest is the image id).
mirror_has() {
  local repo=${2%%:*} tag=${2##*:} id; id=$(docker image inspect -f '{{.Id}}' "$2")
  curl -fsS -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://127.0.0.1:$1/v2/library/$repo/manifests/$tag" 2>/dev/null | grep -q "$id"
}
mirror_seeded() { local img; for img in $STAND_INS; do mirror_has "$MIRROR_PORT" "$img" || return 1; done; }

# Every sandbox reaches the mirror, so it is only ever served read-only (the registry's read-only mode,
# its storage mounted read-only). It is seeded through a second, private registry on the same volume,
# which no session network ever joins, and session networks of running servers are joined to the new
# mirror again, so a rebuild neither opens a writable window nor cuts running sandboxes off.
mirror() {
  local name="${MIRROR_CONTAINER:-runnable-docker-notes-mirror}" want
  want=$(docker image inspect -f '{{.Id}}' "$REGISTRY_IMAGE")
  if [ "$rebuild" = 0 ] && [ "$(docker inspect -f '{{.Image}} {{.State.Running}} {{index .Config.Labels "runnable-docker-notes.readonly"}}' "$name" 2>/dev/null)" = "$want true true" ] && mirror_seeded; then
    echo "[$name] running read-only on 127.0.0.1:$MIRROR_PORT, seeded"; return
  fi
  local seeder="$name-seeding" port
  docker rm -f "$seeder" >/dev/null 2>&1 || true
  docker run -d --name "$seeder" --label "$label=registry-seeding" -p 127.0.0.1::5000 \
    -v "$name-data:/var/lib/registry" "$REGISTRY_IMAGE" >/dev/null
  port=$(docker port "$seeder" 5000/tcp | head -n 1 | sed 's/.*://')
  for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$port/v2/" -o /dev/null 2>/dev/null && break; sleep 0.2; done
  seed_mirror "$port"
  docker rm -f "$seeder" >/dev/null
  FORCE_RECREATE=1 REGISTRY_VOLUME_MODE=ro start_registry "$name" "$MIRROR_PORT" \
    --label runnable-docker-notes.readonly=true -e 'REGISTRY_STORAGE_MAINTENANCE_READONLY=enabled: true'
  FORCE_RECREATE=0
  local net
  for net in $(docker network ls -q --filter label=runnable-docker-notes.session); do
    docker network connect --alias registry-mirror "$net" "$name" 2>/dev/null || true
  done
  mirror_seeded || { echo "[$name] the read-only mirror does not serve the stand-ins" >&2; return 1; }
  echo "[$name] read-only from now on"
}

# seed_mirror PORT: pushes the stand-ins the registry on PORT lacks, under their Docker Hub names.
seed_mirror() {
  local img
  for img in $STAND_INS; do
    local repo=${img%%:*} tag=${img##*:}
    if mirror_has "$1" "$img"; then echo "[mirror] library/$repo:$tag present"; continue; fi
    docker tag "$img" "127.0.0.1:$1/library/$repo:$tag"
    docker push -q "127.0.0.1:$1/library/$repo:$tag" >/dev/null
    docker rmi "127.0.0.1:$1/library/$repo:$tag" >/dev/null
    echo "[mirror] library/$repo:$tag pushed"
  done
}

auth_registry() {
  mkdir -p "$state/auth"; chmod 700 "$state"
  if [ ! -s "$state/auth/htpasswd" ] || [ ! -s "$state/auth/credentials.env" ]; then
    local user=notes pass; pass=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    htpasswd -Bbn "$user" "$pass" >"$state/auth/htpasswd"
    printf 'AUTH_REGISTRY_USER=%s\nAUTH_REGISTRY_PASSWORD=%s\nAUTH_REGISTRY=127.0.0.1:%s\n' "$user" "$pass" "$AUTH_REGISTRY_PORT" >"$state/auth/credentials.env"
    chmod 600 "$state/auth/"*; FORCE_RECREATE=1
  fi
  start_registry runnable-docker-notes-auth-registry "$AUTH_REGISTRY_PORT" \
    -v "$state/auth:/auth:ro" -e REGISTRY_AUTH=htpasswd -e REGISTRY_AUTH_HTPASSWD_REALM=notes \
    -e REGISTRY_AUTH_HTPASSWD_PATH=/auth/htpasswd
  FORCE_RECREATE=0
  echo "[auth registry] credentials in $state/auth/credentials.env"
}

docker version >/dev/null 2>&1 || { echo "No Docker engine answers: run scripts/start-engine.sh first." >&2; exit 1; }
start=$(date +%s)
# The three debootstraps are independent: run them side by side.
build_ubuntu & p1=$!
build_python & p2=$!
build_sandbox & p3=$!
wait $p1 && wait $p2 && wait $p3
build_registry_image
mirror
auth_registry
# Drop the untagged leftovers of earlier recipes.
docker image prune -f --filter "label=runnable-docker-notes.recipe" >/dev/null
echo "Images ready in $(( $(date +%s) - start )) s"
