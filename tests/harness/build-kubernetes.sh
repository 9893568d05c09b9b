#!/usr/bin/env bash
# Builds kube-apiserver and kube-controller-manager 1.20 from Debian bookworm's `kubernetes`
# source package and caches them, with kubectl (Debian's kubernetes-client of the same version)
# and etcd (Debian's etcd-server), under ~/.cache/lorahpo/kubernetes-<version>/bin.
# A cache that is already complete is reused and nothing is downloaded.
#
# Environment: LORAHPO_CACHE (default ~/.cache/lorahpo), LORAHPO_BUILD_JOBS (default 2),
# LORAHPO_KEEP_KUBE_BUILD=1 keeps the unpacked source tree after a successful build.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=kubernetes.env
source "$here/kubernetes.env"
cache_root="${LORAHPO_CACHE:-$HOME/.cache/lorahpo}"
target="$cache_root/kubernetes-$KUBE_DEB_VERSION"
build_dir="$cache_root/build/kubernetes-$KUBE_DEB_VERSION"
jobs="${LORAHPO_BUILD_JOBS:-2}"
binaries=(kube-apiserver kube-controller-manager kubectl etcd)

log() { printf '[kube:build] %s\n' "$*" >&2; }

cache_is_complete() {
  [[ -f "$target/bin/.complete" ]] || return 1
  local b
  for b in "${binaries[@]}"; do [[ -x "$target/bin/$b" ]] || return 1; done
}

as_root() {
  if [[ "$(id -u)" == 0 ]]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else log "needs root for: $*"; return 1; fi
}

# apt-get source needs deb-src lines; bookworm's sources.list ships only binary ones.
ensure_deb_src() {
  if apt-cache showsrc kubernetes 2>/dev/null | grep -qxF "Version: $KUBE_DEB_VERSION"; then
    return 0
  fi
  log "adding deb-src lines for bookworm"
  as_root tee /etc/apt/sources.list.d/lorahpo-debian-src.sources >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  as_root apt-get -o DPkg::Lock::Timeout=600 update -qq
}

install_build_dependencies() {
  log "installing golang-1.19-go rsync etcd-server golang-github-modern-go-reflect2-dev"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    golang-1.19-go rsync etcd-server golang-github-modern-go-reflect2-dev dpkg-dev make >/dev/null
}

unpack_source() {
  if [[ -f "$build_dir/src/Makefile" ]]; then return 0; fi
  log "fetching source package kubernetes=$KUBE_DEB_VERSION"
  rm -rf "$build_dir" && mkdir -p "$build_dir"
  (cd "$build_dir" && apt-get source --download-only "kubernetes=$KUBE_DEB_VERSION" >/dev/null 2>&1 \
    && dpkg-source -x ./*.dsc src >/dev/null)
}

# The vendored reflect2 v1.0.1 crashes binaries built with Go >= 1.18 on the first
# custom-resource create; Debian's 1.0.2 is API-compatible and fixes it.
patch_reflect2() {
  local from=/usr/share/gocode/src/github.com/modern-go/reflect2
  local to="$build_dir/src/vendor/github.com/modern-go/reflect2"
  log "replacing vendored reflect2 with Debian's $(dpkg-query -W -f='${Version}' golang-github-modern-go-reflect2-dev)"
  rm -rf "$to" && mkdir -p "$to"
  cp -L "$from"/*.go "$from"/*.s "$to"/
}

compile_control_plane() {
  log "compiling kube-apiserver and kube-controller-manager with $jobs jobs (about 15 minutes of CPU)"
  # GOMAXPROCS bounds go build -p as well; -p in GOFLAGS would break the -tags parsing in hack/lib/golang.sh.
  (cd "$build_dir/src" && env PATH="/usr/lib/go-1.19/bin:$PATH" GOFLAGS=-mod=vendor \
    GOPROXY=off GOMAXPROCS="$jobs" CGO_ENABLED=0 HOME="$build_dir/home" \
    nice -n 10 make WHAT="cmd/kube-apiserver cmd/kube-controller-manager")
}

# kubectl of the same minor as the server; Debian's binary package, unpacked, never installed
# (an installed one would replace whatever kubectl the machine already has).
fetch_kubectl() {
  local dir="$build_dir/kubectl"
  rm -rf "$dir" && mkdir -p "$dir"
  (cd "$dir" && apt-get download "kubernetes-client=$KUBE_DEB_VERSION" >/dev/null 2>&1 \
    && dpkg-deb -x ./kubernetes-client_*.deb root)
}

assemble_cache() {
  local staging="$target.partial"
  rm -rf "$staging" && mkdir -p "$staging/bin"
  cp "$build_dir/src/_output/bin/kube-apiserver" "$build_dir/src/_output/bin/kube-controller-manager" "$staging/bin/"
  cp "$build_dir/kubectl/root/usr/bin/kubectl" "$staging/bin/"
  cp /usr/bin/etcd "$staging/bin/"
  {
    echo "kubernetes=$KUBE_DEB_VERSION"
    echo "etcd-server=$(dpkg-query -W -f='${Version}' etcd-server)"
    echo "built=$(date -u +%FT%TZ)"
  } >"$staging/bin/.complete"
  rm -rf "$target" && mv "$staging" "$target"
}

main() {
  mkdir -p "$cache_root"
  # One build at a time per cache, even when several test files start at once.
  exec 9>"$cache_root/.kube-build.lock"
  flock 9
  if cache_is_complete; then
    log "cached: $target/bin"
    return 0
  fi
  ensure_deb_src
  install_build_dependencies
  unpack_source
  patch_reflect2
  compile_control_plane
  fetch_kubectl
  assemble_cache
  if [[ "${LORAHPO_KEEP_KUBE_BUILD:-0}" != 1 ]]; then rm -rf "$build_dir"; fi
  log "built: $target/bin"
}

main "$@"
