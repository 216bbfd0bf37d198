// map.js — the Leaflet map: an offline base (Natural Earth countries from world-atlas and
// the scenario's regions), the area layers by kind at the slider's time, and the legend
// whose check boxes toggle every layer and show how many features each holds.
import L from 'leaflet';
import { feature } from 'topojson-client';
import countries from 'world-atlas/countries-50m.json';
import { api, pages } from './api.js';
import { h, iso, day } from './ui.js';

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

// Area kinds drawn as their own layers (region is part of the base).
const AREA_LAYERS = [
  ['control', 'Control areas', (p) => ({ color: partyColour(p.party || p.actor), fillOpacity: 0.3, weight: 1 })],
  ['ceasefire_zone', 'Ceasefire zones', () => ({ color: '#1f78b4', fillOpacity: 0.15, weight: 2, dashArray: '6 4' })],
  ['designated', 'Designated areas', (p) => ({ color: partyColour(p.actor), fillOpacity: 0.25, weight: 1, dashArray: '2 3' })],
  ['corridor', 'Corridors', () => ({ color: '#2ca25f', weight: 6, opacity: 0.8 })],
  ['no_strike', 'No-strike areas', () => ({ color: '#e31a1c', fillOpacity: 0.2, weight: 2 })],
];

export class MapView {
  constructor(el) {
    // One canvas for every vector layer (also the map's default): a second canvas on top
    // would take every click and hover from the layers drawn on the one below.
    this.renderer = L.canvas({ padding: 0.3 });
    this.map = L.map(el, { preferCanvas: true, renderer: this.renderer, zoomControl: true, worldCopyJump: false, minZoom: 3, maxZoom: 16 });
    this.map.setView([35.0, 38.5], 7);
    this.layers = new Map(); // key -> {name, layer, count, on, swatch}
    this.legend = null;
    this.at = null;
    this.onCorridor = () => {}; // a click on a corridor: its area id
    this.baseLayer();
  }

  baseLayer() {
    const world = feature(countries, countries.objects.countries);
    L.geoJSON(world, {
      renderer: this.renderer, interactive: false,
      style: { color: '#9aa5ad', weight: 0.6, fillColor: '#eef0ec', fillOpacity: 1 },
    }).addTo(this.map);
    this.regions = L.geoJSON(null, {
      renderer: this.renderer, interactive: false,
      style: { color: '#6c7a84', weight: 1, fill: false, dashArray: '3 3' },
    }).addTo(this.map);
  }

  // Registers a toggled layer; swatch is a CSS colour for the legend.
  add(key, name, layer, swatch, on = true) {
    const entry = { key, name, layer, count: 0, on, swatch };
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
      row.querySelector('.n').textContent = n.toLocaleString('en');
    } else this.renderLegend();
  }

  mountLegend(el) {
    this.legend = el;
    this.renderLegend();
  }

  renderLegend() {
    if (!this.legend) return;
    const list = h('ul', { class: 'legend', 'aria-label': 'Map layers' });
    for (const e of this.layers.values()) {
      const box = h('input', { type: 'checkbox', id: `layer-${e.key}`, checked: e.on });
      box.addEventListener('change', () => {
        e.on = box.checked;
        if (e.on) e.layer.addTo(this.map); else e.layer.remove();
      });
      list.append(h('li', { 'data-layer': e.key, 'data-count': String(e.count) }, box,
        h('label', { for: box.id }, h('span', { class: 'sw', style: `background:${e.swatch}` }), e.name,
          ' ', h('span', { class: 'n' }, e.count.toLocaleString('en')))));
    }
    const key = h('ul', { class: 'party-key', 'aria-label': 'Colours of parties and actors' },
      Object.keys(PARTY_COLOURS).map((p) => h('li', {}, h('span', { class: 'sw', style: `background:${PARTY_COLOURS[p]}` }), p)));
    this.legend.replaceChildren(h('h2', {}, 'Layers'), list, h('h3', {}, 'Control by party or actor'), key);
  }

  // The area layers, one per kind, and the regions of the base.
  initAreas() {
    for (const [kind, name, style] of AREA_LAYERS) {
      const layer = L.geoJSON(null, {
        renderer: this.renderer,
        style: (f) => style(f.properties),
        onEachFeature: (f, l) => {
          l.bindTooltip(areaLabel(f.properties), { sticky: true });
          if (kind === 'corridor') l.on('click', () => this.onCorridor(f.properties.id));
        },
      });
      this.add(kind, name, layer, style({}).color || '#888');
    }
  }

  // Loads the areas in force at ms (every page) and redraws the area layers.
  async loadAreas(ms) {
    this.at = ms;
    const features = await pages(`/v1/areas?at=${encodeURIComponent(iso(ms))}`, { key: 'features' });
    if (this.at !== ms) return; // a later time was asked meanwhile
    this.regions.clearLayers();
    this.regions.addData(features.filter((f) => f.properties.kind === 'region'));
    for (const [kind] of AREA_LAYERS) {
      const e = this.layers.get(kind);
      e.layer.clearLayers();
      const mine = features.filter((f) => f.properties.kind === kind);
      e.layer.addData(mine);
      this.setCount(kind, mine.length);
    }
  }
}

function areaLabel(p) {
  const owner = p.party || p.actor;
  return `${p.name}${owner ? ` — ${owner}` : ''} (${p.kind}, v${p.version}, from ${day(Date.parse(p.valid_from))})`;
}

// The time slider's range: from the earliest agreement or non-region area version to the
// latest change, a month either side, never past now; one step per day.
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
  if (times.length === 0) return { min: now - 365 * 86400e3, max: now };
  const dayMs = 86400e3;
  const min = Math.floor((Math.min(...times) - 30 * dayMs) / dayMs) * dayMs;
  const max = Math.min(now, Math.ceil((Math.max(...times) + 30 * dayMs) / dayMs) * dayMs);
  return { min, max: Math.max(max, min + dayMs) };
}
