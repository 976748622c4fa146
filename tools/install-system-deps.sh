#!/usr/bin/env bash
# Debian packages the test suite needs, installed idempotently and quietly (CI runs as root).
# kcat (librdkafka) drives `strata serve` in the interop tests.
set -euo pipefail
packages=(kcat chromium)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
