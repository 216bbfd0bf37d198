// forms.js — submitting a report (its place picked on the map) and notifying a site, a
// movement or an operation drawn on the map, with the conflicts the centre answers at once.
import L from 'leaflet';
import { api } from './api.js';
import { h, field, select, formError, status, iso } from './ui.js';
import { volumeLayer } from './layers.js';

const EVENT_TYPES = ['Battles', 'Explosions/Remote violence', 'Violence against civilians', 'Protests', 'Riots', 'Strategic developments'];
const localInput = (ms) => new Date(ms).toISOString().slice(0, 16);
const fromLocal = (v) => `${v}:00Z`; // the inputs are in UTC, labelled so

function num(v) { return v === '' ? undefined : Number(v); }

// The report form; onCreated(answer) after a 201.
export function reportForm(mapView, names, onCreated) {
  const out = h('p', { class: 'error', role: 'alert' });
  const lon = h('input', { name: 'lon', type: 'number', step: 'any', min: '-180', max: '180', required: true });
  const lat = h('input', { name: 'lat', type: 'number', step: 'any', min: '-90', max: '90', required: true });
  const pick = h('button', { type: 'button', 'aria-pressed': 'false' }, 'Pick on map');
  const form = h('form', { id: 'report-form', novalidate: true },
    h('h2', {}, 'Submit a report'),
    field('Occurred at (UTC)', h('input', { name: 'occurred_at', type: 'datetime-local', required: true, value: localInput(Date.now() - 3600e3) })),
    field('Time precision', select('time_precision', [['1', '1 — exact day'], ['2', '2 — within a week'], ['3', '3 — within a month']])),
    h('div', { class: 'row' }, field('Longitude', lon), field('Latitude', lat)), pick,
    field('Place precision', select('geo_precision', [['1', '1 — the place itself'], ['2', '2 — near'], ['3', '3 — the region']])),
    field('Event type', select('event_type', EVENT_TYPES, 'Explosions/Remote violence')),
    field('Sub-event type', h('input', { name: 'sub_event_type', type: 'text' }), 'e.g. Shelling/artillery/missile attack'),
    field('Alleged perpetrator', select('alleged_perpetrator', [['', '— unknown —'], ...names])),
    field('Target', select('target', ['', 'civilians', 'facility', 'party', 'actor'])),
    field('Target name (party or actor)', select('target.name', [['', '—'], ...names])),
    h('div', { class: 'row' },
      field('Fatalities min', h('input', { name: 'fatalities.min', type: 'number', min: '0' })),
      field('Fatalities max', h('input', { name: 'fatalities.max', type: 'number', min: '0' }))),
    field('Source', select('source', ['monitor', 'party', 'humanitarian', 'media', 'public'])),
    field('Description', h('textarea', { name: 'description', rows: '3' })),
    h('button', { type: 'submit' }, 'Submit report'), out,
    h('p', { id: 'report-result', 'aria-live': 'polite' }));
  let picking = false;
  const onMapClick = (e) => {
    if (!picking) return;
    lon.value = e.latlng.lng.toFixed(5);
    lat.value = e.latlng.lat.toFixed(5);
    picking = false;
    pick.setAttribute('aria-pressed', 'false');
  };
  mapView.map.on('click', onMapClick);
  pick.addEventListener('click', () => { picking = !picking; pick.setAttribute('aria-pressed', String(picking)); status(picking ? 'Click the map to place the report' : ''); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = form.elements;
    const body = {
      occurred_at: f.occurred_at.value ? fromLocal(f.occurred_at.value) : '',
      time_precision: Number(f.time_precision.value),
      location: { type: 'Point', coordinates: [Number(lon.value), Number(lat.value)] },
      geo_precision: Number(f.geo_precision.value),
      event_type: f.event_type.value,
      source: { kind: f.source.value },
    };
    if (f.sub_event_type.value) body.sub_event_type = f.sub_event_type.value;
    if (f.alleged_perpetrator.value) body.alleged_perpetrator = f.alleged_perpetrator.value;
    if (f.target.value) {
      body.target = { kind: f.target.value };
      if (f['target.name'].value && (f.target.value === 'party' || f.target.value === 'actor')) body.target.name = f['target.name'].value;
    }
    const fmin = num(f['fatalities.min'].value), fmax = num(f['fatalities.max'].value);
    if (fmin !== undefined || fmax !== undefined) body.fatalities = { min: fmin ?? fmax, max: fmax ?? fmin };
    if (f.description.value) body.description = f.description.value;
    try {
      const r = await api('/v1/reports', { method: 'POST', body });
      out.textContent = '';
      form.querySelector('#report-result').textContent = `Report ${r.id} recorded in incident ${r.incident_id} (${r.classification.class}); log entry ${r.receipt.index}.`;
      onCreated(r);
    } catch (err) { formError(form, out, err); }
  });
  return form;
}

// Drawing on the map: clicks add vertices; answers {points, clear(), layer}.
class Sketch {
  constructor(map) {
    this.map = map;
    this.points = [];
    this.layer = L.layerGroup().addTo(map);
    this.active = false;
    map.on('click', (e) => { if (this.active) { this.points.push(e.latlng); this.render(); } });
  }
  render(kind) {
    this.kind = kind || this.kind;
    this.layer.clearLayers();
    for (const p of this.points) L.circleMarker(p, { radius: 4, color: '#000' }).addTo(this.layer);
    if (this.points.length >= 2) {
      const shape = this.kind === 'movement' || this.points.length === 2 ? L.polyline(this.points) : L.polygon(this.points);
      shape.setStyle({ color: '#000', dashArray: '4 4', weight: 2 }).addTo(this.layer);
    }
    if (this.onChange) this.onChange(this.points.length);
  }
  clear() { this.points = []; this.render(); }
}

const ring = (pts) => { const r = pts.map((p) => [p.lng, p.lat]); r.push(r[0]); return r; };

// Builds the body for kind from the sketch and the form; throws with a message when the
// drawing does not fit the kind.
function notifyBody(kind, pts, f) {
  const vis = f.visibility.value.trim();
  const visibility = vis ? vis.split(',').map((x) => x.trim()).filter(Boolean) : undefined;
  const from = fromLocal(f.time_start.value), to = fromLocal(f.time_end.value);
  if (kind === 'site') {
    if (pts.length !== 1 && pts.length < 3) throw new Error('draw one point (with a radius) or at least 3 vertices');
    const props = { kind: f.site_kind.value, name: f.name.value || 'unnamed site' };
    if (visibility) props.visibility = visibility;
    if (pts.length === 1) {
      props.radius_m = Number(f.radius_m.value);
      return { type: 'Feature', geometry: { type: 'Point', coordinates: [pts[0].lng, pts[0].lat] }, properties: props };
    }
    return { type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring(pts)] }, properties: props };
  }
  if (kind === 'movement') {
    if (pts.length < 2) throw new Error('draw the route: at least 2 points');
    const props = { kind: f.movement_kind.value, width_m: Number(f.width_m.value), time_start: from, time_end: to, status: 'notified' };
    if (f.name.value) props.name = f.name.value;
    if (visibility) props.visibility = visibility;
    return { type: 'Feature', geometry: { type: 'LineString', coordinates: pts.map((p) => [p.lng, p.lat]) }, properties: props };
  }
  if (pts.length !== 1 && pts.length < 3) throw new Error('draw one point (a circle) or at least 3 vertices');
  const alt = (v) => ({ value: Number(v), reference: 'W84', units: 'M' });
  const volume = { altitude_lower: alt(f.alt_lower.value), altitude_upper: alt(f.alt_upper.value) };
  if (pts.length === 1) volume.outline_circle = { center: { lat: pts[0].lat, lng: pts[0].lng }, radius: { value: Number(f.radius_m.value), units: 'M' } };
  else volume.outline_polygon = { vertices: pts.map((p) => ({ lat: p.lat, lng: p.lng })) };
  return {
    kind: f.op_kind.value,
    volumes: [{ volume, time_start: { value: from, format: 'RFC3339' }, time_end: { value: to, format: 'RFC3339' } }],
  };
}

export function conflictList(conflicts) {
  if (!conflicts || conflicts.length === 0) return h('p', { class: 'ok' }, 'No conflicts.');
  return h('ul', { class: 'conflicts', 'aria-label': 'Conflicts' }, conflicts.map((c) => h('li', {},
    h('strong', {}, `${c.type} ${c.id}`), c.restricted ? ' (restricted)' : '', c.name ? ` ${c.name}` : '',
    c.owner ? ` — owner ${c.owner}` : '', c.contact ? `, contact ${c.contact}` : '',
    c.distance_band ? `, ${c.distance_band}` : '', c.agreements ? `, breaches: ${c.agreements.join('; ')}` : '')));
}

// The notify form; added(kind, object) after a 201.
export function notifyForm(mapView, getTime, added) {
  const sketch = new Sketch(mapView.map);
  const out = h('p', { class: 'error', role: 'alert' });
  const result = h('div', { id: 'notify-result', 'aria-live': 'polite' });
  const count = h('output', { id: 'vertex-count' }, '0 points drawn');
  const kind = select('kind', [['site', 'Protected site'], ['movement', 'Movement (convoy, evacuation)'], ['operation', 'Operation']]);
  const t0 = getTime();
  const draw = h('button', { type: 'button', 'aria-pressed': 'false' }, 'Draw on map');
  const form = h('form', { id: 'notify-form', novalidate: true },
    h('h2', {}, 'Notify'), field('What', kind),
    h('p', { class: 'hint' }, 'Press "Draw on map", then click the map: one point (site or operation circle, with the radius below), a route (movement) or the vertices of a polygon.'),
    h('div', { class: 'row' }, draw, h('button', { type: 'button', onclick: () => sketch.clear() }, 'Clear drawing'), count),
    field('Name', h('input', { name: 'name', type: 'text', maxlength: '200' })),
    field('Site kind', select('site_kind', ['hospital', 'school', 'aid_warehouse', 'un_facility', 'forces_position', 'other'])),
    field('Movement kind', select('movement_kind', ['convoy', 'evacuation'])),
    field('Operation kind', select('op_kind', ['air', 'artillery', 'ground'])),
    h('div', { class: 'row' },
      field('Radius (m)', h('input', { name: 'radius_m', type: 'number', min: '1', value: '1000' })),
      field('Corridor width (m)', h('input', { name: 'width_m', type: 'number', min: '1', value: '1000' }))),
    h('div', { class: 'row' },
      field('Altitude lower (m)', h('input', { name: 'alt_lower', type: 'number', value: '0' })),
      field('Altitude upper (m)', h('input', { name: 'alt_upper', type: 'number', value: '3000' }))),
    h('div', { class: 'row' },
      field('Start (UTC)', h('input', { name: 'time_start', type: 'datetime-local', value: localInput(t0) })),
      field('End (UTC)', h('input', { name: 'time_end', type: 'datetime-local', value: localInput(t0 + 6 * 3600e3) }))),
    field('Visible to (parties, comma-separated; empty: everyone)', h('input', { name: 'visibility', type: 'text' })),
    h('button', { type: 'submit' }, 'Notify'), out, result);
  const showFields = () => {
    const k = kind.value;
    const show = { site_kind: k === 'site', movement_kind: k === 'movement', op_kind: k === 'operation', width_m: k === 'movement',
      radius_m: k !== 'movement', alt_lower: k === 'operation', alt_upper: k === 'operation', time_start: k !== 'site', time_end: k !== 'site' };
    for (const [n, on] of Object.entries(show)) form.elements[n].closest('.field').hidden = !on;
    sketch.render(k);
  };
  kind.addEventListener('change', showFields);
  showFields();
  sketch.onChange = (n) => { count.textContent = `${n} point${n === 1 ? '' : 's'} drawn`; };
  draw.addEventListener('click', () => {
    sketch.active = !sketch.active;
    draw.setAttribute('aria-pressed', String(sketch.active));
    mapView.map.getContainer().classList.toggle('drawing', sketch.active);
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const k = kind.value;
    let body;
    try { body = notifyBody(k, sketch.points, form.elements); } catch (err) { out.textContent = err.message; return; }
    try {
      const path = { site: '/v1/sites', movement: '/v1/movements', operation: '/v1/operations' }[k];
      const r = await api(path, { method: 'POST', body });
      out.textContent = '';
      const id = r.id || (r.properties && r.properties.id);
      result.replaceChildren(h('p', {}, `${k} ${id} notified; log entry ${r.receipt ? r.receipt.index : '?'}.`), conflictList(r.conflicts));
      sketch.clear();
      added(k, r);
      status(`${k} ${id} notified: ${(r.conflicts || []).length} conflict(s)`);
    } catch (err) {
      formError(form, out, err);
      if (err.problem && err.problem.conflicts) result.replaceChildren(conflictList(err.problem.conflicts));
    }
  });
  return form;
}

export { volumeLayer, iso };
