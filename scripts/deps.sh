#!/usr/bin/env bash
# Installs the Debian packages truce needs to build, run and test, if any is missing.
# Usage: scripts/deps.sh [build|test|bench]   (each level includes the ones before it)
set -euo pipefail
level=${1:-build}
pkgs=(build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev sqlite3
      libgeos-dev libproj-dev libsodium-dev libcurl4-gnutls-dev curl)
if [ "$level" = test ] || [ "$level" = bench ]; then
  pkgs+=(libcmocka-dev python3 python3-yaml python3-jsonschema libxml2-utils python3-geojson golang-go golang-golang-x-mod-dev)
fi
if [ "$level" = bench ]; then
  pkgs+=(postgresql postgis postgresql-15-postgis-3 wrk)
fi
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
