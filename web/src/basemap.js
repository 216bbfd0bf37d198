// basemap.js — the offline base map: land and the borders of Syria's neighbours (Natural
// Earth through world-atlas, with no country filled and no border drawn through Syria's
// territory: Syria's own boundary is the UN's, from OCHA COD-AB), Syria's governorates and
// districts (OCHA COD-AB 2020, simplified with shared borders: scripts/basemap.py), and
// labels that appear with the zoom: governorates, districts, towns and villages (OCHA
// populated places, English and Arabic names), and the neighbouring countries.
// The base is not interactive: it never takes a click from the layers above it.
import L from 'leaflet';
import { feature, mesh } from 'topojson-client';
import countries from 'world-atlas/countries-50m.json';
import admin from './basemap/admin.topo.json';
import placeRows from './basemap/places.json';
import { t, placeName, num } from './i18n.js';

const SYRIA = '760'; // ISO 3166 numeric, world-atlas ids
const districts = feature(admin, admin.objects.districts).features;
export const places = placeRows.map(([x, y, rank, en, ar]) => ({ lon: x / 1e4, lat: y / 1e4, rank, en, ar }));

// Where the neighbouring countries' names go (UN names in the catalogs: country.*).
const COUNTRIES = [['TR', 37.2, 38.2], ['IQ', 43.2, 33.6], ['JO', 37.0, 31.4], ['LB', 35.85, 33.95], ['IL', 34.85, 31.1],
  ['sea', 34.2, 34.9]];

// The part of the world the map can show (its maxBounds, and some): Natural Earth's land and
// borders are clipped to it once, so the canvas never projects the other continents.
const BOX = [20, 20, 58, 50];

// Sutherland-Hodgman: a ring clipped to BOX (may be empty).
function clipRing(ring) {
  let pts = ring;
  const edges = [[(p) => p[0] >= BOX[0], (a, b) => cut(a, b, 0, BOX[0])], [(p) => p[0] <= BOX[2], (a, b) => cut(a, b, 0, BOX[2])],
    [(p) => p[1] >= BOX[1], (a, b) => cut(a, b, 1, BOX[1])], [(p) => p[1] <= BOX[3], (a, b) => cut(a, b, 1, BOX[3])]];
  for (const [inside, cross] of edges) {
    const out = [];
    for (let i = 0; i < pts.length; i++) {
      const cur = pts[i], prev = pts[(i + pts.length - 1) % pts.length];
      if (inside(cur)) { if (!inside(prev)) out.push(cross(prev, cur)); out.push(cur); } else if (inside(prev)) out.push(cross(prev, cur));
    }
    pts = out;
    if (!pts.length) break;
  }
  return pts;
}
function cut(a, b, axis, v) {
  const k = (v - a[axis]) / (b[axis] - a[axis]);
  return axis === 0 ? [v, a[1] + k * (b[1] - a[1])] : [a[0] + k * (b[0] - a[0]), v];
}
const inBox = (p) => p[0] >= BOX[0] && p[0] <= BOX[2] && p[1] >= BOX[1] && p[1] <= BOX[3];
function clipPolygons(g) {
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
  const out = [];
  for (const poly of polys) {
    const rings = poly.map(clipRing).filter((r) => r.length >= 3);
    if (rings.length && clipRing(poly[0]).length >= 3) out.push(rings);
  }
  return { type: 'MultiPolygon', coordinates: out };
}
// Lines cut to the pieces with a point inside BOX.
function clipLines(g) {
  const out = [];
  for (const line of g.coordinates) {
    let cur = [];
    for (let i = 0; i < line.length; i++) {
      const keep = inBox(line[i]) || (i > 0 && inBox(line[i - 1])) || (i + 1 < line.length && inBox(line[i + 1]));
      if (keep) cur.push(line[i]); else if (cur.length) { if (cur.length > 1) out.push(cur); cur = []; }
    }
    if (cur.length > 1) out.push(cur);
  }
  return { type: 'MultiLineString', coordinates: out };
}

// Zoom at which each rank of place is labelled (0 capital … 4 village).
const RANK_ZOOM = [5, 6, 8, 10, 11];
const MAX_LABELS = 350;

export class BaseMap {
  constructor(map, renderer) {
    this.map = map;
    const base = { renderer, interactive: false };
    const land = feature(countries, countries.objects.land);
    const landGeom = clipPolygons(land.type === 'FeatureCollection' ? { type: 'MultiPolygon', coordinates: land.features.flatMap((f) => (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates)) } : land.geometry);
    L.geoJSON(landGeom, { ...base, style: { stroke: false, fillColor: '#eceee8', fillOpacity: 1 } }).addTo(map);
    // Borders between other countries; every arc that touches Syria is left out (Syria's
    // boundary comes from OCHA, so no line is drawn across the occupied Golan).
    const borders = clipLines(mesh(countries, countries.objects.countries, (a, b) => a !== b && a.id !== SYRIA && b.id !== SYRIA));
    this.borders = borders; // the browser test checks that none crosses Syria's territory
    L.geoJSON(borders, { ...base, style: { color: '#8c979f', weight: 1, dashArray: '4 3' } }).addTo(map);
    const obj = admin.objects.districts;
    L.geoJSON(mesh(admin, obj, (a, b) => a !== b && a.properties.adm1 === b.properties.adm1), { ...base, style: { color: '#a7b0b6', weight: 0.7, dashArray: '2 3' } }).addTo(map);
    L.geoJSON(mesh(admin, obj, (a, b) => a !== b && a.properties.adm1 !== b.properties.adm1), { ...base, style: { color: '#7b8890', weight: 1.2 } }).addTo(map);
    this.outline = mesh(admin, obj, (a, b) => a === b); // Syria's boundary (OCHA)
    L.geoJSON(this.outline, { ...base, style: { color: '#4d5b64', weight: 2 } }).addTo(map);
    map.createPane('labels');
    map.getPane('labels').style.zIndex = 450;
    map.getPane('labels').style.pointerEvents = 'none';
    // The labels: one element holding a positioned element per label (no marker objects),
    // hidden from assistive technology (the names are in the panels' text too).
    this.labels = L.DomUtil.create('div', 'map-labels leaflet-zoom-hide', map.getPane('labels'));
    this.labels.setAttribute('aria-hidden', 'true');
    this.shown = []; // the labels drawn now (the browser test reads them)
    map.on('zoomend moveend', () => this.draw());
    this.draw();
  }

  // Labels for the view: countries, governorates (zoom 6–9), districts (9–11), places by
  // rank; greedy placement by importance, a label overlapping a placed one is skipped.
  draw() {
    const z = this.map.getZoom();
    const b = this.map.getBounds().pad(0.1);
    const cand = [];
    for (const [code, lon, lat] of COUNTRIES) if (z >= 5 && z <= 9) cand.push({ lon, lat, text: t(`country.${code}`), cls: 'lbl-country', w: 0 });
    if (z >= 6 && z <= 9) {
      for (const [code, [lon, lat]] of Object.entries(admin.objects.districts.governorate_labels)) {
        const d = districts.find((f) => f.properties.adm1 === code);
        cand.push({ lon, lat, text: placeName(d.properties.adm1_en, d.properties.adm1_ar), cls: 'lbl-gov', w: 1 });
      }
    }
    if (z >= 9 && z <= 11) {
      for (const d of districts) {
        const [lon, lat] = d.properties.label;
        cand.push({ lon, lat, text: placeName(d.properties.en, d.properties.ar), cls: 'lbl-district', w: 3 });
      }
    }
    for (const p of places) {
      if (z < RANK_ZOOM[p.rank]) continue;
      cand.push({ lon: p.lon, lat: p.lat, text: placeName(p.en, p.ar), cls: `lbl-place r${p.rank}`, w: p.rank === 0 ? 0 : p.rank + 1, dot: true });
    }
    const boxes = [];
    const html = [];
    this.shown = [];
    cand.sort((a, c) => a.w - c.w);
    for (const c of cand) {
      if (this.shown.length >= MAX_LABELS) break;
      if (!b.contains([c.lat, c.lon])) continue;
      const pt = this.map.latLngToLayerPoint([c.lat, c.lon]);
      const w = c.text.length * (c.cls === 'lbl-gov' ? 8 : 6.5) + 8, h = 16;
      const box = [pt.x - w / 2, pt.y - h, pt.x + w / 2, pt.y + 4];
      if (boxes.some((o) => box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3])) continue;
      boxes.push(box);
      html.push(`<div class="map-label ${c.cls}${c.dot ? ' with-dot' : ''}" style="transform:translate(${Math.round(pt.x)}px,${Math.round(pt.y)}px)"><span>${esc(c.text)}</span></div>`);
      this.shown.push(c.text);
    }
    this.labels.innerHTML = html.join('');
  }
}

const esc = (x) => x.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[ch]));

// The district and governorate holding a point (planar point-in-polygon), or null.
export function districtAt(lon, lat) {
  for (const d of districts) {
    const g = d.geometry;
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
    for (const poly of polys) {
      let inside = false;
      for (const ring of poly) {
        for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
          const [xi, yi] = ring[i], [xj, yj] = ring[j];
          if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
        }
      }
      if (inside) return d.properties;
    }
  }
  return null;
}

function km(lon1, lat1, lon2, lat2) {
  const r = Math.PI / 180, k = Math.cos(((lat1 + lat2) / 2) * r);
  return 6371 * Math.hypot((lon2 - lon1) * r * k, (lat2 - lat1) * r);
}

// The nearest place of rank <= maxRank: {place, km}.
export function nearest(lon, lat, maxRank = 4) {
  let best = null, bd = Infinity;
  for (const p of places) {
    if (p.rank > maxRank) continue;
    const d = km(lon, lat, p.lon, p.lat);
    if (d < bd) { bd = d; best = p; }
  }
  return best ? { place: best, km: bd } : null;
}

// "Near Aleppo (2 km), Aleppo governorate" — or the coordinates outside Syria.
export function where(lon, lat) {
  if (!Number.isFinite(lon) || !Number.isFinite(lat)) return '–';
  const d = districtAt(lon, lat);
  const coords = `${lat.toFixed(4)}, ${lon.toFixed(4)}`;
  if (!d) return t('where.outside', { coords });
  const n = nearest(lon, lat);
  const gov = placeName(d.adm1_en, d.adm1_ar);
  if (!n) return t('where.gov', { gov, coords });
  const name = placeName(n.place.en, n.place.ar);
  if (n.km < 1) return t('where.in', { place: name, gov, coords });
  return t('where.near', { place: name, km: num(Math.round(n.km)), gov, coords });
}

// A governorate's name (as the centre's regions and reports spell it, OCHA's English name)
// in the chosen language.
const GOVS = new Map(districts.map((d) => [d.properties.adm1_en.toLowerCase(), d.properties]));
export function regionName(name) {
  const g = name && GOVS.get(String(name).toLowerCase());
  return g ? placeName(g.adm1_en, g.adm1_ar) : (name || '–');
}
