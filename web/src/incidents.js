// incidents.js — every incident the party may read, clustered on the map (supercluster on a
// canvas: fluid with 100,000 and more), coloured by grade; the list of the newest; loading in
// pages (or from the GeoJSON export once the centre has it).
import L from 'leaflet';
import Supercluster from 'supercluster';
import { api, has, pages } from './api.js';
import { h, fmt } from './ui.js';

export const GRADES = ['single_source', 'corroborated', 'confirmed', 'contested', 'discounted'];
export const GRADE_COLOURS = {
  single_source: '#fdae61', corroborated: '#f46d43', confirmed: '#a50026', contested: '#74add1', discounted: '#999999',
};
const MAX_DRAWN = 3000;

// The few fields the map and the list need, from an incident (API answer or export feature).
function compact(x) {
  const p = x.properties || x;
  const c = (x.geometry || p.location || {}).coordinates || [0, 0];
  return {
    id: p.id, lon: c[0], lat: c[1], grade: p.grade, at: p.occurred_at, type: p.event_type,
    region: p.region, perp: p.alleged_perpetrator, cls: p.classification && (p.classification.class || p.classification),
  };
}

export class Incidents {
  constructor(view, onOpen) {
    this.view = view;
    this.map = view.map;
    this.onOpen = onOpen;
    this.byId = new Map();
    this.index = null;
    this.drawn = []; // ids of single incidents drawn now (the browser test reads it)
    // The map's one canvas: a second canvas on top would take every click and hover, and the
    // areas, operations and movements under it could not be clicked.
    this.renderer = view.renderer;
    this.layer = L.layerGroup();
    view.add('incidents', 'Incidents', this.layer, GRADE_COLOURS.corroborated);
    this.map.on('moveend', () => this.draw());
    this.listEl = null;
  }

  // Loads every incident: the streamed export when the centre serves it, else the pages of
  // GET /v1/incidents; the map and list refresh as pages arrive.
  async load(onProgress) {
    const done = (n) => { this.rebuild(); if (onProgress) onProgress(n, true); };
    if (has('GET', '/v1/exports/incidents')) {
      try {
        const fc = await api('/v1/exports/incidents?format=geojson');
        if (fc && Array.isArray(fc.features)) {
          for (const f of fc.features) { const c = compact(f); this.byId.set(c.id, c); }
          return done(this.byId.size);
        }
      } catch { /* the export failed: page through the list */ }
    }
    let lastBuild = 0;
    await pages('/v1/incidents', {
      onPage: (items, total) => {
        for (const it of items) { const c = compact(it); this.byId.set(c.id, c); }
        if (onProgress) onProgress(total, false);
        if (total - lastBuild >= 20000 || lastBuild === 0) { lastBuild = total; this.rebuild(); }
      },
    });
    done(this.byId.size);
  }

  // Adds or refreshes one incident (after a report was submitted or a grade changed).
  upsert(incident) {
    const c = compact(incident);
    this.byId.set(c.id, c);
    this.rebuild();
    return c;
  }

  rebuild() {
    const points = [];
    for (const c of this.byId.values()) {
      points.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [c.lon, c.lat] }, properties: { id: c.id, g: GRADES.indexOf(c.grade) } });
    }
    this.index = new Supercluster({
      radius: 50, maxZoom: 13, minPoints: 3,
      map: (p) => { const a = [0, 0, 0, 0, 0]; if (p.g >= 0) a[p.g] = 1; return { a }; },
      reduce: (acc, p) => { for (let i = 0; i < 5; i++) acc.a[i] += p.a[i]; },
    }).load(points);
    this.view.setCount('incidents', this.byId.size);
    this.draw();
    this.renderList();
  }

  draw() {
    if (!this.index) return;
    const b = this.map.getBounds();
    const z = Math.round(this.map.getZoom());
    const items = this.index.getClusters([b.getWest(), Math.max(-85, b.getSouth()), b.getEast(), Math.min(85, b.getNorth())], z);
    this.layer.clearLayers();
    this.drawn = [];
    for (const it of items.slice(0, MAX_DRAWN)) {
      const [lon, lat] = it.geometry.coordinates;
      if (it.properties.cluster) {
        const a = it.properties.a;
        const top = GRADES[a.indexOf(Math.max(...a))];
        const n = it.properties.point_count;
        const size = n < 100 ? 30 : n < 1000 ? 38 : n < 10000 ? 46 : 54;
        const icon = L.divIcon({
          html: `<span>${it.properties.point_count_abbreviated}</span>`, className: `cluster g-${top}`, iconSize: [size, size],
        });
        L.marker([lat, lon], { icon, keyboard: true, title: `${n} incidents, mostly ${top.replace('_', ' ')}; Enter to zoom in`, alt: `${n} incidents` })
          .on('click', () => this.map.setView([lat, lon], Math.min(this.index.getClusterExpansionZoom(it.properties.cluster_id), 16)))
          .addTo(this.layer);
      } else {
        const c = this.byId.get(it.properties.id);
        this.drawn.push(c.id);
        L.circleMarker([lat, lon], {
          renderer: this.renderer, radius: 6, weight: 1, color: '#333', fillColor: GRADE_COLOURS[c.grade] || '#888', fillOpacity: 0.9,
        }).bindTooltip(`Incident ${c.id}: ${c.type}, ${c.grade.replace('_', ' ')}`)
          .on('click', () => this.onOpen(c.id)).addTo(this.layer);
      }
    }
  }

  mountList(el) {
    this.listEl = el;
    this.renderList();
  }

  // The newest incidents (highest id first), filtered by grade; 100 rows at most.
  renderList() {
    if (!this.listEl) return;
    const grade = this.listEl.querySelector('select')?.value || '';
    const rows = [];
    const ids = [...this.byId.keys()].sort((a, b) => b - a);
    for (const id of ids) {
      const c = this.byId.get(id);
      if (grade && c.grade !== grade) continue;
      rows.push(h('li', { 'data-id': String(id) }, h('button', { type: 'button', class: 'linkish', onclick: () => this.onOpen(id) },
        h('span', { class: `dot g-${c.grade}`, 'aria-hidden': 'true' }),
        `#${id} ${c.at ? c.at.slice(0, 10) : ''} ${c.type || ''}`, h('small', {}, ` ${c.region || ''} · ${(c.grade || '').replace('_', ' ')}`))));
      if (rows.length >= 100) break;
    }
    const filter = h('select', { id: 'grade-filter', 'aria-label': 'Grade', onchange: () => this.renderList() },
      h('option', { value: '' }, 'all grades'), ...GRADES.map((g) => h('option', { value: g, selected: g === grade }, g.replace('_', ' '))));
    this.listEl.replaceChildren(
      h('h2', {}, 'Incidents ', h('span', { class: 'n', id: 'incident-total' }, fmt(this.byId.size))),
      h('div', { class: 'field inline' }, h('label', { for: 'grade-filter' }, 'Grade'), filter),
      h('ol', { class: 'incident-list' }, rows));
  }
}
