// map.js — the Leaflet map: the offline base (basemap.js), the area layers by kind at the
// map's time, the legend whose check boxes toggle every layer and show how many features
// each holds, a highlight for "show on map", and the map's one interaction mode (picking a
// place or drawing a shape): while a mode is on, a click on the map belongs to it alone and
// no layer opens a panel.
import L from 'leaflet';
import { api, pages } from './api.js';
import { BaseMap } from './basemap.js';
import { t, label, date as fmtDate, num, onChange } from './i18n.js';
import { h, iso, put } from './ui.js';

const PARTY_COLOURS = {
  SAA: '#c0392b', Opposition: '#27ae60', SDF: '#f1c40f', Russia: '#8e44ad', 'US-Coalition': '#2c7fb8',
  Turkey: '#d35400', Iran: '#16a085', ISIS: '#2d2d2d', Nusra: '#6d4c41',
};
const SPARE = ['#e377c2', '#17becf', '#bcbd22', '#7f7f7f', '#9467bd', '#ff7f0e'];
export function partyColour(name) {
  if (!name) return '#888';
  if (PARTY_COLOURS[name]) return PARTY_COLOURS[name];
  let x = 0;
  for (const c of name) x = (x * 31 + c.charCodeAt(0)) >>> 0;
  return SPARE[x % SPARE.length];
}

// Area kinds drawn as their own layers (regions are drawn by the base as governorates).
const AREA_LAYERS = [
  ['control', (p) => ({ color: partyColour(p.party || p.actor), fillOpacity: 0.3, weight: 1 })],
  ['ceasefire_zone', () => ({ color: '#1f78b4', fillOpacity: 0.15, weight: 2, dashArray: '6 4' })],
  ['designated', (p) => ({ color: partyColour(p.actor), fillOpacity: 0.25, weight: 1, dashArray: '2 3' })],
  ['corridor', () => ({ color: '#2ca25f', weight: 6, opacity: 0.8 })],
  ['no_strike', () => ({ color: '#e31a1c', fillOpacity: 0.2, weight: 2 })],
];

export class MapView {
  constructor(el) {
    // One canvas for every vector layer (also the map's default): a second canvas on top
    // would take every click and hover from the layers drawn on the one below.
    this.renderer = L.canvas({ padding: 0.3 });
    this.map = L.map(el, { preferCanvas: true, renderer: this.renderer, zoomControl: true, worldCopyJump: false, minZoom: 5, maxZoom: 16,
      maxBounds: [[24, 24], [46, 54]] });
    this.map.attributionControl.setPrefix(false); // Leaflet's prefix carries a national flag
    this.map.setView([35.0, 38.5], 7);
    this.base = new BaseMap(this.map, this.renderer);
    this.layers = new Map(); // key -> {key, layer, count, on, swatch}
    this.legend = null;
    this.at = null;
    this.mode = null; // {kind: 'pick'|'draw', end()} while a form owns the map's clicks
    this.onCorridor = () => {}; // a click on a corridor: its area id
    this.highlight = L.layerGroup().addTo(this.map);
    this.attribution();
    onChange(() => { this.attribution(); this.renderLegend(); this.base.draw(); });
  }

  attribution() {
    const a = this.map.attributionControl;
    if (this.credit) a.removeAttribution(this.credit);
    this.credit = t('map.attribution');
    a.addAttribution(this.credit);
  }

  // A form takes the map's clicks (pick a place, draw a shape); end() is called when
  // another mode starts or the form's owner ends it. Answers a function that ends it.
  startMode(kind, end) {
    if (this.mode) this.mode.end();
    this.mode = { kind, end };
    this.map.getContainer().classList.add('map-mode', `map-${kind}`);
    return () => this.endMode(end);
  }

  endMode(end) {
    if (!this.mode || (end && this.mode.end !== end)) return;
    this.map.getContainer().classList.remove('map-mode', `map-${this.mode.kind}`);
    this.mode = null;
  }

  // Whether a click now belongs to a form (layers then ignore it).
  busy() { return this.mode !== null; }

  // Registers a toggled layer; swatch is a CSS colour for the legend; its name is the
  // catalog's layer.KEY.
  add(key, layer, swatch, on = true) {
    const entry = { key, layer, count: 0, on, swatch };
    this.layers.set(key, entry);
    if (on) layer.addTo(this.map);
    this.renderLegend();
    return entry;
  }

  setCount(key, n) {
    const e = this.layers.get(key);
    if (!e) return;
    e.count = n;
    const row = this.legend && this.legend.querySelector(`[data-layer="${key}"]`);
    if (row) {
      row.dataset.count = String(n);
      row.querySelector('.n').textContent = num(n);
    } else this.renderLegend();
  }

  mountLegend(el) {
    this.legend = el;
    this.renderLegend();
  }

  renderLegend() {
    if (!this.legend) return;
    const list = h('ul', { class: 'legend', 'aria-label': t('layers.list') });
    for (const e of this.layers.values()) {
      const box = h('input', { type: 'checkbox', id: `layer-${e.key}`, checked: e.on });
      box.addEventListener('change', () => {
        e.on = box.checked;
        if (e.on) e.layer.addTo(this.map); else e.layer.remove();
      });
      list.append(h('li', { 'data-layer': e.key, 'data-count': String(e.count) }, box,
        h('label', { for: box.id }, h('span', { class: 'sw', style: `background:${e.swatch}`, 'aria-hidden': 'true' }), t(`layer.${e.key}`),
          ' ', h('span', { class: 'n' }, num(e.count)))));
    }
    const key = h('ul', { class: 'party-key', 'aria-label': t('layers.partyKey') },
      Object.keys(PARTY_COLOURS).map((p) => h('li', {}, h('span', { class: 'sw', style: `background:${PARTY_COLOURS[p]}`, 'aria-hidden': 'true' }), p)));
    put(this.legend, h('h2', {}, t('layers.title')), list, h('h3', {}, t('layers.partyKey')), key);
  }

  // The area layers, one per kind.
  initAreas() {
    for (const [kind, style] of AREA_LAYERS) {
      const layer = L.geoJSON(null, {
        renderer: this.renderer,
        style: (f) => style(f.properties),
        onEachFeature: (f, l) => {
          l.bindTooltip(() => areaLabel(f.properties), { sticky: true });
          if (kind === 'corridor') l.on('click', () => { if (!this.busy()) this.onCorridor(f.properties.id); });
        },
      });
      this.add(kind, layer, style({}).color || '#888');
    }
  }

  // Loads the areas in force at ms (every page) and redraws the area layers.
  async loadAreas(ms) {
    this.at = ms;
    const features = await pages(`/v1/areas?at=${encodeURIComponent(iso(ms))}`, { key: 'features' });
    if (this.at !== ms) return; // a later time was asked meanwhile
    for (const [kind] of AREA_LAYERS) {
      const e = this.layers.get(kind);
      e.layer.clearLayers();
      const mine = features.filter((f) => f.properties.kind === kind);
      e.layer.addData(mine);
      this.setCount(kind, mine.length);
    }
  }

  // Outlines a GeoJSON geometry (or Leaflet layer) and brings it into view.
  show(geojson, { maxZoom = 12 } = {}) {
    this.highlight.clearLayers();
    const l = L.geoJSON(geojson, {
      renderer: this.renderer, interactive: false,
      pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 14, renderer: this.renderer }),
      style: { color: '#111', weight: 3, dashArray: '6 4', fill: false },
    }).addTo(this.highlight);
    const b = l.getBounds();
    if (b.isValid()) this.map.fitBounds(b, { maxZoom, padding: [40, 40], animate: false });
  }
}

function areaLabel(p) {
  const owner = p.party || p.actor;
  return t('area.tooltip', { name: p.name, owner: owner || '–', kind: label('area', p.kind), version: p.version, from: fmtDate(p.valid_from) });
}

// The time slider's range: from a month before the earliest agreement or non-region area
// version to 90 days ahead of now (planned operations and movements lie ahead), in whole
// days; the map opens at the latest change plus a month, or now if that is sooner.
export async function timeRange() {
  const [agr, areas] = await Promise.all([api('/v1/agreements'), pages('/v1/areas', { key: 'features' })]);
  const times = [];
  for (const a of agr.items || []) {
    times.push(Date.parse(a.start));
    if (a.end) times.push(Date.parse(a.end));
  }
  for (const f of areas) {
    if (f.properties.kind === 'region') continue;
    times.push(Date.parse(f.properties.valid_from));
    if (f.properties.valid_to) times.push(Date.parse(f.properties.valid_to));
  }
  const now = Date.now();
  const dayMs = 86400e3;
  const max = Math.ceil((now + 90 * dayMs) / dayMs) * dayMs;
  if (times.length === 0) return { min: Math.floor((now - 365 * dayMs) / dayMs) * dayMs, max, start: now };
  const min = Math.floor((Math.min(...times) - 30 * dayMs) / dayMs) * dayMs;
  const start = Math.min(now, Math.ceil((Math.max(...times) + 30 * dayMs) / dayMs) * dayMs);
  return { min, max, start };
}
