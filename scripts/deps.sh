#!/usr/bin/env bash
# Installs the Debian packages truce needs to build, run and test, if any is missing.
# Usage: scripts/deps.sh [build|test|bench|web]   (each level includes the ones before it;
# web: only what the dashboard and its browser test need)
set -euo pipefail
level=${1:-build}
pkgs=(build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev sqlite3
      libgeos-dev libproj-dev libsodium-dev libcurl4-gnutls-dev curl libpq-dev)
if [ "$level" = test ] || [ "$level" = bench ]; then
  pkgs+=(libcmocka-dev python3 python3-yaml python3-jsonschema libxml2-utils python3-geojson golang-go golang-golang-x-mod-dev)
  # The PostgreSQL store's tests start a throwaway cluster (scripts/pg-test.sh).
  pkgs+=(postgresql postgresql-client postgis postgresql-15-postgis-3 postgresql-15-auto-failover)
fi
if [ "$level" = bench ]; then
  pkgs+=(wrk)
fi
# The dashboard (web/) builds with node and npm, and its browser test drives Debian's chromium;
# each is installed only when missing (a machine may have its own node).
if [ "$level" = web ]; then pkgs=(); fi
web=()
command -v node >/dev/null 2>&1 || web+=(nodejs)
command -v npm >/dev/null 2>&1 || web+=(npm)
if [ "$level" != build ] && [ ! -x /usr/bin/chromium ]; then web+=(chromium fonts-dejavu-core); fi
pkgs+=("${web[@]}")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
