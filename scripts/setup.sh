#!/usr/bin/env bash
# Installs what the project needs and is missing: Deno (from npm, into .tools/),
# etcd 3.4 and ZooKeeper 3.8 (Debian packages, when run as root), and for the tests
# (SETUP_FOR_TESTS=1, set by test.sh) Chromium.
# Sourced by start.sh and test.sh; safe to run repeatedly.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DENO_VERSION="2.9.6"
TOOLS="$ROOT/.tools"

ensure_deno() {
  if [ -x "$TOOLS/node_modules/.bin/deno" ]; then return; fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "setup: npm is required to install Deno (install Node.js and npm first)" >&2
    exit 1
  fi
  echo "setup: installing deno@$DENO_VERSION from npm into .tools/" >&2
  mkdir -p "$TOOLS"
  (cd "$TOOLS" && [ -f package.json ] || echo '{"private":true}' > package.json)
  npm install --silent --prefix "$TOOLS" --no-audit --no-fund "deno@$DENO_VERSION" >&2
}

ensure_debian_packages() {
  local missing=()
  command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
  command -v etcdctl >/dev/null 2>&1 || missing+=(etcd-client)
  [ -f /usr/share/java/zookeeper.jar ] || missing+=(zookeeper)
  command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
  [ ${#missing[@]} -eq 0 ] && return
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
}

# Headless Chromium for the status page's browser test (scheduler/admin/page_browser_test.ts);
# without it (and without root to install it) that test is skipped with a message.
ensure_chromium() {
  if command -v chromium >/dev/null 2>&1 || [ -n "${CHROMIUM_BIN:-}" ]; then return; fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: chromium is missing (the browser test will be skipped); install it with: sudo apt-get install -y chromium" >&2
    return
  fi
  echo "setup: installing Debian package: chromium" >&2
  apt-get update -qq >&2
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2; then
    echo "setup: chromium could not be installed; the browser test will be skipped" >&2
  fi
}

ensure_deno
ensure_debian_packages
if [ "${SETUP_FOR_TESTS:-}" = 1 ]; then ensure_chromium; fi
export PATH="$TOOLS/node_modules/.bin:$PATH"
export DENO_NO_UPDATE_CHECK=1
# npm packages the tests run as programs (s3rver, the S3-compatible server of the backup
# tests): fetched from the npm registry into node_modules once.
(cd "$ROOT" && deno cache --quiet lib/backup/testing/s3rver_main.ts >&2)
