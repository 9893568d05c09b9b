#!/usr/bin/env bash
# Installs Debian's chromium when it is missing (the browser tests and bench/report drive it with
# playwright-core; never `npx playwright install`, which downloads a browser build of its own).
# Prints the binary's path.
set -euo pipefail
find_chromium() { command -v chromium || command -v chromium-browser || true; }
bin="$(find_chromium)"
if [ -z "$bin" ]; then
  if [ "$(id -u)" != 0 ]; then echo "chromium missing and not root: apt-get install chromium" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends chromium >&2
  bin="$(find_chromium)"
fi
echo "$bin"
