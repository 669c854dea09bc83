#!/usr/bin/env bash
# Installs what the project needs and is missing: Deno (from npm, into .tools/),
# etcd 3.4 and ZooKeeper 3.8 (Debian packages, when run as root).
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

ensure_deno
ensure_debian_packages
export PATH="$TOOLS/node_modules/.bin:$PATH"
export DENO_NO_UPDATE_CHECK=1
# npm packages the tests run as programs (s3rver, the S3-compatible server of the backup
# tests): fetched from the npm registry into node_modules once.
(cd "$ROOT" && deno cache --quiet lib/backup/testing/s3rver_main.ts >&2)
