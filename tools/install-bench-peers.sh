#!/usr/bin/env bash
# The peers `npm run bench` compares Strata with, installed idempotently (run once; safe to rerun):
#   Debian: redis-server (Redis Streams), nats-server (NATS JetStream), kcat (Strata over the wire)
#   npm:    better-sqlite3 (SQLite; builds from source when no prebuilt binary fits), nats (JetStream client)
# The npm packages are installed with --no-save: they are not dependencies of Strata, and the bench
# skips any peer that is missing with a line pointing here. apt-get needs root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(redis-server nats-server kcat)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Debian starts redis-server as a service on install; the bench starts its own on a free port.

# better-sqlite3 13 needs Node.js 22 (on Node 20 it installs, then crashes the process): stay on 12.
npm_packages=(better-sqlite3@12 nats)
npm_missing=()
for package in "${npm_packages[@]}"; do
  node -e "require.resolve('${package%@*}/package.json')" >/dev/null 2>&1 || npm_missing+=("$package")
done
if [ ${#npm_missing[@]} -gt 0 ]; then
  npm install --no-save "${npm_missing[@]}"
fi
# better-sqlite3's native module is built by its install script; check that it loads.
node -e "new (require('better-sqlite3'))(':memory:').close()"
echo "bench peers ready: ${packages[*]} ${npm_packages[*]}"
