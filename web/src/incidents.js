// incidents.js — every incident the party may read, clustered on the map (supercluster on a
// canvas: fluid with 100,000 and more), coloured by grade, and listed for the keyboard.
// Both follow the map's time: an incident shows when it occurred at or before the map's time
// and within the chosen span before it (all, a year, 30 days, 7 days, the day). Loading in
// pages, or from the GeoJSON export once the centre has it.
import L from 'leaflet';
import Supercluster from 'supercluster';
import { api, has, pages } from './api.js';
import { t, label, num, date as fmtDate, onChange } from './i18n.js';
import { h, put } from './ui.js';
import { regionName } from './basemap.js';

export const GRADES = ['single_source', 'corroborated', 'confirmed', 'contested', 'discounted'];
export const GRADE_COLOURS = {
  single_source: '#fdae61', corroborated: '#f46d43', confirmed: '#a50026', contested: '#74add1', discounted: '#999999',
};
const SPANS = ['all', '365', '30', '7', '1'];
const MAX_DRAWN = 3000;
const PAGE = 50;

// The few fields the map and the list need, from an incident (API answer or export feature).
function compact(x) {
  const p = x.properties || x;
  const c = (x.geometry || p.location || {}).coordinates || [NaN, NaN];
  return {
    id: p.id, lon: c[0], lat: c[1], grade: p.grade, at: p.occurred_at, ms: Date.parse(p.occurred_at), type: p.event_type,
    region: p.region, perp: p.alleged_perpetrator,
  };
}

export class Incidents {
  constructor(view, onOpen) {
    this.view = view;
    this.map = view.map;
    this.onOpen = (id) => { if (!view.busy()) onOpen(id); };
    this.openFromList = onOpen;
    this.byId = new Map();
    this.shown = []; // the incidents at the map's time, newest first
    this.index = null;
    this.drawn = []; // ids of single incidents drawn now (the browser test reads it)
    this.at = Date.now();
    this.span = 'all';
    this.limit = PAGE;
    // The map's one canvas: a second canvas on top would take every click and hover, and the
    // areas, operations and movements under it could not be clicked.
    this.renderer = view.renderer;
    this.layer = L.layerGroup();
    view.add('incidents', this.layer, GRADE_COLOURS.corroborated);
    this.map.on('moveend', () => { this.draw(); if (this.inView) this.renderList(); });
    this.listEl = null;
    onChange(() => { this.draw(); this.renderList(); });
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

  // Adds or refreshes one incident (after a report was submitted or a grade changed); a
  // merge retires ids (gone).
  upsert(incident, gone = []) {
    for (const id of gone) this.byId.delete(id);
    const c = compact(incident);
    this.byId.set(c.id, c);
    this.rebuild();
    return c;
  }

  // Follows the map's time.
  setTime(ms) {
    if (ms === this.at) return;
    this.at = ms;
    this.rebuild();
  }

  // The window [from, to] of the map's time and span (ms).
  window() {
    const to = this.at;
    const from = this.span === 'all' ? -Infinity : to - Number(this.span) * 86400e3;
    return { from, to };
  }

  visible(c) {
    const { from, to } = this.window();
    return c.ms <= to && c.ms > from;
  }

  rebuild() {
    const points = [];
    this.shown = [];
    for (const c of this.byId.values()) {
      if (!this.visible(c) || !Number.isFinite(c.lon)) continue;
      this.shown.push(c);
      points.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [c.lon, c.lat] }, properties: { id: c.id, g: GRADES.indexOf(c.grade) } });
    }
    this.shown.sort((a, b) => b.ms - a.ms || b.id - a.id);
    this.index = new Supercluster({
      radius: 50, maxZoom: 13, minPoints: 3,
      map: (p) => { const a = [0, 0, 0, 0, 0]; if (p.g >= 0) a[p.g] = 1; return { a }; },
      reduce: (acc, p) => { for (let i = 0; i < 5; i++) acc.a[i] += p.a[i]; },
    }).load(points);
    this.view.setCount('incidents', this.shown.length);
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
        const icon = L.divIcon({ html: `<span>${num(n, { notation: 'compact' })}</span>`, className: `cluster g-${top}`, iconSize: [size, size] });
        const title = t('incidents.cluster', { n, grade: label('grade', top) });
        L.marker([lat, lon], { icon, keyboard: true, title, alt: title })
          .on('click', () => { if (!this.view.busy()) this.map.setView([lat, lon], Math.min(this.index.getClusterExpansionZoom(it.properties.cluster_id), 16)); })
          .addTo(this.layer);
      } else {
        const c = this.byId.get(it.properties.id);
        this.drawn.push(c.id);
        L.circleMarker([lat, lon], {
          renderer: this.renderer, radius: 6, weight: 1, color: '#333', fillColor: GRADE_COLOURS[c.grade] || '#888', fillOpacity: 0.9,
        }).bindTooltip(() => t('incidents.tooltip', { id: c.id, type: label('eventType', c.type), grade: label('grade', c.grade) }))
          .on('click', () => this.onOpen(c.id)).addTo(this.layer);
      }
    }
  }

  mountList(el) {
    this.listEl = el;
    this.renderList();
  }

  // The incidents at the map's time, newest first, filtered by grade (and to the map's view
  // when asked); PAGE rows, then "show more".
  renderList() {
    if (!this.listEl) return;
    const grade = this.grade || '';
    const bounds = this.inView ? this.map.getBounds() : null;
    const rows = [];
    let total = 0;
    for (const c of this.shown) {
      if (grade && c.grade !== grade) continue;
      if (bounds && !bounds.contains([c.lat, c.lon])) continue;
      total++;
      if (rows.length >= this.limit) continue;
      rows.push(h('li', { 'data-id': String(c.id) }, h('button', { type: 'button', class: 'linkish', onclick: () => this.openFromList(c.id) },
        h('span', { class: `dot g-${c.grade}`, 'aria-hidden': 'true' }),
        t('incidents.row', { id: c.id, date: fmtDate(c.at), type: label('eventType', c.type) }),
        h('small', {}, ` ${regionName(c.region)} · ${label('grade', c.grade)}`))));
    }
    const filter = h('select', { id: 'grade-filter', onchange: (e) => { this.grade = e.target.value; this.limit = PAGE; this.renderList(); } },
      h('option', { value: '' }, t('incidents.allGrades')), ...GRADES.map((g) => h('option', { value: g, selected: g === grade }, label('grade', g))));
    const span = h('select', { id: 'span-filter', onchange: (e) => { this.span = e.target.value; this.limit = PAGE; this.rebuild(); } },
      ...SPANS.map((s) => h('option', { value: s, selected: s === this.span }, t(`incidents.span.${s}`))));
    const inView = h('input', { type: 'checkbox', id: 'inview-filter', checked: !!this.inView,
      onchange: (e) => { this.inView = e.target.checked; this.limit = PAGE; this.renderList(); } });
    const more = total > rows.length ? h('button', { type: 'button', id: 'incidents-more', onclick: () => { this.limit += PAGE; this.renderList(); document.getElementById('incidents-more')?.focus(); } },
      t('incidents.more', { n: Math.min(PAGE, total - rows.length) })) : null;
    const focused = this.listEl.contains(document.activeElement) ? document.activeElement.id : null;
    put(this.listEl, 
      h('h2', {}, t('incidents.title'), ' ', h('span', { class: 'n', id: 'incident-total', 'data-n': String(this.shown.length) }, num(this.shown.length))),
      h('p', { class: 'hint' }, t('incidents.window')),
      h('div', { class: 'row' },
        h('div', { class: 'field' }, h('label', { for: 'span-filter' }, t('incidents.span')), span),
        h('div', { class: 'field' }, h('label', { for: 'grade-filter' }, t('incidents.grade')), filter)),
      h('div', { class: 'check' }, inView, h('label', { for: 'inview-filter' }, t('incidents.inView'))),
      h('p', { class: 'hint', id: 'incident-count' }, t('incidents.count', { n: total, shown: num(rows.length) })),
      h('ol', { class: 'incident-list', 'aria-label': t('incidents.title') }, rows), more);
    if (focused) document.getElementById(focused)?.focus();
  }
}
