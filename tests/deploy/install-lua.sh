#!/usr/bin/env bash
# Installs what tests/deploy/argocd-health.test.ts runs Argo CD's health script with: Lua 5.1
# (the Lua version of Argo CD's gopher-lua) and lua-cjson to read the objects as JSON, from
# Debian's archive. Does nothing when both are there. Needs root (or sudo) for apt.
set -euo pipefail
if command -v lua5.1 >/dev/null && lua5.1 -e 'require("cjson")' 2>/dev/null; then exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends lua5.1 lua-cjson >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y --no-install-recommends lua5.1 lua-cjson >/dev/null
fi
lua5.1 -e 'require("cjson")'
