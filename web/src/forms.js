// forms.js — submitting a report (its place picked on the map) and notifying a site, a
// movement or an operation drawn on the map, with the conflicts the centre answers at once.
// Forms that cannot file nonsense: a report needs a place and a time not in the future
// (defaults: the map's centre and the map's time), the source follows the party's role,
// and only what the role may do is offered. Picking and drawing own the map's clicks while
// they last (map.js startMode) and end cleanly: after the pick, with "Finish", Enter or
// Escape, or when the panel changes.
import L from 'leaflet';
import { api, may } from './api.js';
import { t, label, time as fmtTime, onChange } from './i18n.js';
import { where } from './basemap.js';
import { h, field, select, formMessages, formError, formDone, status, localInput, fromLocal, put } from './ui.js';

export const EVENT_TYPES = {
  Battles: ['Armed clash', 'Government regains territory', 'Non-state actor overtakes territory'],
  'Explosions/Remote violence': ['Chemical weapon', 'Air/drone strike', 'Suicide bomb', 'Shelling/artillery/missile attack',
    'Remote explosive/landmine/IED', 'Grenade'],
  'Violence against civilians': ['Sexual violence', 'Attack', 'Abduction/forced disappearance'],
  Protests: ['Peaceful protest', 'Protest with intervention', 'Excessive force against protesters'],
  Riots: ['Violent demonstration', 'Mob violence'],
  'Strategic developments': ['Agreement', 'Arrests', 'Change to group/activity', 'Disrupted weapons use', 'Headquarters or base established',
    'Looting/property destruction', 'Non-violent transfer of territory', 'Other'],
};

// The source kinds a role reports as, its own first (the default): a belligerent's claim is
// a party's account, never the monitor's observation.
const SOURCES = {
  admin: ['monitor', 'party', 'humanitarian', 'media', 'public'],
  monitor: ['monitor', 'party', 'humanitarian', 'media', 'public'],
  guarantor: ['party', 'media', 'public'],
  belligerent: ['party', 'media', 'public'],
  humanitarian: ['humanitarian', 'media', 'public'],
  mine_action: ['humanitarian', 'media', 'public'],
};
export const sourcesFor = (role) => SOURCES[role] || ['party', 'media', 'public'];

const num = (v) => (v === '' ? undefined : Number(v));
const bad = (field, key, params) => ({ field, message: t(key, params) });

// A place picked with one click on the map: the map's next click sets it, then the mode ends.
class Picker {
  constructor(view, button, onPick) {
    this.view = view;
    this.button = button;
    this.onPick = onPick;
    this.end = () => this.stop();
    view.map.on('click', (e) => { if (this.on) { this.onPick(e.latlng); this.stop(); } });
    button.addEventListener('click', () => (this.on ? this.stop() : this.start()));
    this.keys = (e) => { if (this.on && e.key === 'Escape') { e.preventDefault(); this.stop(); } };
  }
  start() {
    this.view.startMode('pick', this.end);
    document.addEventListener('keydown', this.keys);
    this.on = true;
    this.button.setAttribute('aria-pressed', 'true');
    status(t('report.pickHint'), { keep: true });
  }
  stop() {
    if (!this.on) return;
    this.on = false;
    this.view.endMode(this.end);
    document.removeEventListener('keydown', this.keys);
    this.button.setAttribute('aria-pressed', 'false');
    status('');
  }
}

// Drawing on the map: while on, clicks add vertices. points, clear(), start(), stop().
export class Sketch {
  constructor(view, button, shape = () => 'polygon') {
    this.view = view;
    this.map = view.map;
    this.button = button;
    this.shape = shape; // 'line' | 'polygon' | 'auto' (one point, a line or a polygon)
    this.points = [];
    this.layer = L.layerGroup().addTo(this.map);
    this.end = () => this.stop();
    this.map.on('click', (e) => { if (this.on) { this.points.push(e.latlng); this.render(); } });
    button.addEventListener('click', () => (this.on ? this.stop() : this.start()));
    this.keys = (e) => { if (this.on && (e.key === 'Escape' || e.key === 'Enter')) { e.preventDefault(); this.stop(); } };
  }
  start() {
    this.view.startMode('draw', this.end);
    this.on = true;
    this.button.setAttribute('aria-pressed', 'true');
    this.button.textContent = t('draw.finish');
    document.addEventListener('keydown', this.keys);
    status(t('draw.hint'), { keep: true });
  }
  stop() {
    if (!this.on) return;
    this.on = false;
    this.view.endMode(this.end);
    this.button.setAttribute('aria-pressed', 'false');
    this.button.textContent = t('draw.start');
    document.removeEventListener('keydown', this.keys);
    status(t('draw.done', { n: this.points.length }));
  }
  render() {
    this.layer.clearLayers();
    for (const p of this.points) L.circleMarker(p, { radius: 4, color: '#000', interactive: false }).addTo(this.layer);
    if (this.points.length >= 2) {
      const line = this.shape() === 'line' || this.points.length === 2;
      (line ? L.polyline(this.points) : L.polygon(this.points)).setStyle({ color: '#000', dashArray: '4 4', weight: 2, interactive: false }).addTo(this.layer);
    }
    if (this.onChange) this.onChange(this.points.length);
  }
  clear() { this.points = []; this.render(); }
}

// Ends pick and draw modes when the panel holding their form is hidden.
export function endModesOnHide(view) {
  if (view.mode) view.mode.end();
}

function timeCheck(v, field) {
  if (!v) throw bad(field, 'form.timeNeeded');
  const ms = Date.parse(fromLocal(v));
  if (Number.isNaN(ms)) throw bad(field, 'form.timeBad');
  return ms;
}

// The report form. me: GET /v1/me; getTime(): the map's time (ms); onCreated(answer) after
// a 201. Answers {form, shown()} — shown() refreshes the defaults when the tab opens.
export function reportForm(view, me, names, getTime, onCreated) {
  const m = formMessages();
  const lon = h('input', { name: 'lon', type: 'number', step: 'any', min: '-180', max: '180', required: true, inputmode: 'decimal' });
  const lat = h('input', { name: 'lat', type: 'number', step: 'any', min: '-90', max: '90', required: true, inputmode: 'decimal' });
  const near = h('p', { class: 'hint', id: 'report-where', 'aria-live': 'polite' });
  const pick = h('button', { type: 'button', 'aria-pressed': 'false', id: 'report-pick' }, t('report.pick'));
  const centre = h('button', { type: 'button', id: 'report-centre' }, t('report.centre'));
  const when = h('input', { name: 'occurred_at', type: 'datetime-local', required: true });
  const evType = select('event_type', Object.keys(EVENT_TYPES).map((x) => [x, label('eventType', x)]), 'Explosions/Remote violence');
  const subType = h('select', { name: 'sub_event_type' });
  const fillSub = () => put(subType, h('option', { value: '' }, t('report.subNone')),
    ...EVENT_TYPES[evType.value].map((x) => h('option', { value: x }, label('subEventType', x))));
  evType.addEventListener('change', fillSub);
  fillSub();
  const sources = sourcesFor(me.role);
  const form = h('form', { id: 'report-form', novalidate: true },
    h('h2', {}, t('report.title2')),
    h('p', { class: 'hint' }, t('report.intro', { party: me.name })),
    field(t('report.when'), when, t('report.whenHint')),
    field(t('report.timePrecision'), select('time_precision', [['1', t('report.tp1')], ['2', t('report.tp2')], ['3', t('report.tp3')]])),
    h('div', { class: 'row' }, field(t('report.lon'), lon), field(t('report.lat'), lat)),
    h('div', { class: 'row' }, pick, centre), near,
    field(t('report.geoPrecision'), select('geo_precision', [['1', t('report.gp1')], ['2', t('report.gp2')], ['3', t('report.gp3')]])),
    field(t('report.eventType'), evType),
    field(t('report.subEventType'), subType),
    field(t('report.perpetrator'), select('alleged_perpetrator', [['', t('report.unknown')], ...names.map((n) => [n, n])])),
    field(t('report.target'), select('target', [['', '–'], ...['civilians', 'facility', 'party', 'actor'].map((x) => [x, label('target', x)])])),
    field(t('report.targetName'), select('target.name', [['', '–'], ...names.map((n) => [n, n])])),
    h('div', { class: 'row' },
      field(t('report.fatalMin'), h('input', { name: 'fatalities.min', type: 'number', min: '0', step: '1' })),
      field(t('report.fatalMax'), h('input', { name: 'fatalities.max', type: 'number', min: '0', step: '1' }))),
    field(t('report.source'), select('source', sources.map((s) => [s, label('source', s)]), sources[0]), t('report.sourceHint')),
    field(t('report.sourceRef'), h('input', { name: 'source.ref', type: 'text', maxlength: '500' })),
    field(t('report.description'), h('textarea', { name: 'description', rows: '3', maxlength: '4000' })),
    h('button', { type: 'submit' }, t('report.submit')), m.el);
  const marker = L.circleMarker([0, 0], { radius: 9, color: '#000', weight: 3, fill: false, interactive: false, dashArray: '3 3' });
  let follow = true; // the place follows the map's centre until the user sets it
  const setPlace = (ll, { user = false } = {}) => {
    lon.value = ll.lng.toFixed(5);
    lat.value = ll.lat.toFixed(5);
    if (user) follow = false;
    showPlace();
  };
  const showPlace = () => {
    const x = Number(lon.value), y = Number(lat.value);
    const ok = lon.value !== '' && lat.value !== '' && Math.abs(x) <= 180 && Math.abs(y) <= 90;
    near.textContent = ok ? where(x, y) : t('report.noPlace');
    if (ok && form.isConnected && !form.closest('[hidden]')) marker.setLatLng([y, x]).addTo(view.map); else marker.remove();
  };
  for (const el of [lon, lat]) el.addEventListener('input', () => { follow = false; showPlace(); });
  new Picker(view, pick, (ll) => setPlace(ll, { user: true }));
  centre.addEventListener('click', () => { follow = true; setPlace(view.map.getCenter()); });
  view.map.on('moveend', () => { if (follow) setPlace(view.map.getCenter()); });
  const defaults = () => {
    if (!when.dataset.touched) when.value = localInput(Math.min(getTime(), Date.now()));
    when.max = localInput(Date.now());
    if (follow) setPlace(view.map.getCenter()); else showPlace();
  };
  when.addEventListener('input', () => { when.dataset.touched = '1'; });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    let body;
    try { body = reportBody(form.elements, lon, lat); } catch (err) { formError(form, m.error, err); return; }
    try {
      const r = await api('/v1/reports', { method: 'POST', body });
      formDone(m.error, m.result, h('p', { class: 'ok', id: 'report-result' }, t('report.done', { id: r.id, incident: r.incident_id,
        cls: label('class', r.classification.class), index: r.receipt.index })));
      delete when.dataset.touched;
      onCreated(r);
    } catch (err) { formError(form, m.error, err); }
  });
  onChange(() => showPlace());
  return { form, shown: defaults, hidden: () => marker.remove() };
}

function reportBody(f, lon, lat) {
  const ms = timeCheck(f.occurred_at.value, 'occurred_at');
  if (ms > Date.now() + 60e3) throw bad('occurred_at', 'report.future');
  const x = lon.value === '' ? NaN : Number(lon.value), y = lat.value === '' ? NaN : Number(lat.value);
  if (!Number.isFinite(x) || Math.abs(x) > 180) throw bad('lon', 'report.lonBad');
  if (!Number.isFinite(y) || Math.abs(y) > 90) throw bad('lat', 'report.latBad');
  if (x === 0 && y === 0) throw bad('lon', 'report.zero');
  const body = {
    occurred_at: fromLocal(f.occurred_at.value),
    time_precision: Number(f.time_precision.value),
    location: { type: 'Point', coordinates: [x, y] },
    geo_precision: Number(f.geo_precision.value),
    event_type: f.event_type.value,
    source: { kind: f.source.value },
  };
  if (f['source.ref'].value.trim()) body.source.ref = f['source.ref'].value.trim();
  if (f.sub_event_type.value) body.sub_event_type = f.sub_event_type.value;
  if (f.alleged_perpetrator.value) body.alleged_perpetrator = f.alleged_perpetrator.value;
  if (f.target.value) {
    body.target = { kind: f.target.value };
    if (f.target.value === 'party' || f.target.value === 'actor') {
      if (!f['target.name'].value) throw bad('target.name', 'report.targetNameNeeded');
      body.target.name = f['target.name'].value;
    }
  }
  const fmin = num(f['fatalities.min'].value), fmax = num(f['fatalities.max'].value);
  for (const [k, v] of [['fatalities.min', fmin], ['fatalities.max', fmax]]) if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw bad(k, 'report.countBad');
  if (fmin !== undefined && fmax !== undefined && fmin > fmax) throw bad('fatalities.max', 'report.minMax');
  if (fmin !== undefined || fmax !== undefined) body.fatalities = { min: fmin ?? fmax, max: fmax ?? fmin };
  if (f.description.value.trim()) body.description = f.description.value.trim();
  return body;
}

const ring = (pts) => { const r = pts.map((p) => [p.lng, p.lat]); r.push(r[0]); return r; };

// Builds the body for kind from the sketch and the form; throws {field, message} when the
// drawing or a field does not fit the kind.
function notifyBody(kind, pts, f) {
  const vis = f.visibility.value.trim();
  const visibility = vis ? vis.split(',').map((x) => x.trim()).filter(Boolean) : undefined;
  const t0 = timeCheck(f.time_start.value, 'time_start');
  const from = fromLocal(f.time_start.value);
  if (kind === 'site') {
    if (pts.length !== 1 && pts.length < 3) throw bad('draw', 'notify.drawSite');
    if (!f.name.value.trim()) throw bad('name', 'notify.nameNeeded');
    const props = { kind: f.site_kind.value, name: f.name.value.trim(), valid_from: from };
    if (visibility) props.visibility = visibility;
    if (pts.length === 1) {
      props.radius_m = Number(f.radius_m.value);
      if (!(props.radius_m > 0)) throw bad('radius_m', 'notify.radiusBad');
      return { type: 'Feature', geometry: { type: 'Point', coordinates: [pts[0].lng, pts[0].lat] }, properties: props };
    }
    return { type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring(pts)] }, properties: props };
  }
  const t1 = timeCheck(f.time_end.value, 'time_end');
  if (t1 <= t0) throw bad('time_end', 'notify.endBeforeStart');
  const to = fromLocal(f.time_end.value);
  if (kind === 'movement') {
    if (pts.length < 2) throw bad('draw', 'notify.drawRoute');
    const props = { kind: f.movement_kind.value, width_m: Number(f.width_m.value), time_start: from, time_end: to, status: 'notified' };
    if (!(props.width_m > 0)) throw bad('width_m', 'notify.widthBad');
    if (f.name.value.trim()) props.name = f.name.value.trim();
    if (visibility) props.visibility = visibility;
    return { type: 'Feature', geometry: { type: 'LineString', coordinates: pts.map((p) => [p.lng, p.lat]) }, properties: props };
  }
  if (pts.length !== 1 && pts.length < 3) throw bad('draw', 'notify.drawOperation');
  const alt = (v) => ({ value: Number(v), reference: 'W84', units: 'M' });
  const volume = { altitude_lower: alt(f.alt_lower.value), altitude_upper: alt(f.alt_upper.value) };
  if (!(Number(f.alt_upper.value) > Number(f.alt_lower.value))) throw bad('alt_upper', 'notify.altBad');
  if (pts.length === 1) volume.outline_circle = { center: { lat: pts[0].lat, lng: pts[0].lng }, radius: { value: Number(f.radius_m.value), units: 'M' } };
  else volume.outline_polygon = { vertices: pts.map((p) => ({ lat: p.lat, lng: p.lng })) };
  return {
    kind: f.op_kind.value,
    volumes: [{ volume, time_start: { value: from, format: 'RFC3339' }, time_end: { value: to, format: 'RFC3339' } }],
  };
}

export function conflictList(conflicts) {
  if (!conflicts || conflicts.length === 0) return h('p', { class: 'ok' }, t('conflict.none'));
  return h('ul', { class: 'conflicts', 'aria-label': t('conflict.list') }, conflicts.map((c) => h('li', { 'data-type': c.type, 'data-id': String(c.id) },
    h('strong', {}, `${label('objectType', c.type)} ${c.id}`), c.restricted ? ` (${t('conflict.restricted')})` : '', c.name ? ` ${c.name}` : '',
    c.owner ? ` — ${t('conflict.owner', { owner: c.owner })}` : '', c.contact ? `, ${t('conflict.contact', { contact: c.contact })}` : '',
    c.distance_band ? `, ${label('band', c.distance_band)}` : '',
    c.time_start ? `, ${fmtTime(c.time_start)} – ${fmtTime(c.time_end)}` : '',
    c.agreements ? `, ${t('conflict.breaches', { list: c.agreements.join('; ') })}` : '')));
}

const KINDS = [['site', '/v1/sites'], ['movement', '/v1/movements'], ['operation', '/v1/operations']];
export const notifyKinds = () => KINDS.filter(([, p]) => may('POST', p));

// The notify form; added(kind, object) after a 201. Answers {form, shown()}.
export function notifyForm(view, getTime, added) {
  const kinds = notifyKinds();
  const m = formMessages();
  const result = h('div', { id: 'notify-result', 'aria-live': 'polite' });
  const count = h('output', { id: 'vertex-count' });
  const kind = select('kind', kinds.map(([k]) => [k, t(`notify.kind.${k}`)]));
  const draw = h('button', { type: 'button', 'aria-pressed': 'false', id: 'notify-draw', name: 'draw' }, t('draw.start'));
  const sketch = new Sketch(view, draw, () => (kind.value === 'movement' ? 'line' : 'polygon'));
  const start = h('input', { name: 'time_start', type: 'datetime-local', required: true });
  const end = h('input', { name: 'time_end', type: 'datetime-local', required: true });
  const form = h('form', { id: 'notify-form', novalidate: true },
    h('h2', {}, t('notify.title')), field(t('notify.what'), kind),
    h('p', { class: 'hint', id: 'notify-draw-hint' }, t('notify.drawHint')),
    h('div', { class: 'row' }, draw, h('button', { type: 'button', id: 'notify-clear', onclick: () => sketch.clear() }, t('draw.clear')), count),
    field(t('notify.name'), h('input', { name: 'name', type: 'text', maxlength: '200' })),
    field(t('notify.siteKind'), select('site_kind', ['hospital', 'school', 'aid_warehouse', 'un_facility', 'forces_position', 'other'].map((x) => [x, label('siteKind', x)]))),
    field(t('notify.movementKind'), select('movement_kind', ['convoy', 'evacuation'].map((x) => [x, label('movementKind', x)]))),
    field(t('notify.opKind'), select('op_kind', ['air', 'artillery', 'ground'].map((x) => [x, label('opKind', x)]))),
    h('div', { class: 'row' },
      field(t('notify.radius'), h('input', { name: 'radius_m', type: 'number', min: '1', value: '1000' })),
      field(t('notify.width'), h('input', { name: 'width_m', type: 'number', min: '1', value: '1000' }))),
    h('div', { class: 'row' },
      field(t('notify.altLower'), h('input', { name: 'alt_lower', type: 'number', value: '0' })),
      field(t('notify.altUpper'), h('input', { name: 'alt_upper', type: 'number', value: '3000' }))),
    h('div', { class: 'row' }, field(t('notify.start'), start), field(t('notify.end'), end)),
    field(t('notify.visibility'), h('input', { name: 'visibility', type: 'text' }), t('notify.visibilityHint')),
    h('button', { type: 'submit' }, t('notify.submit')), m.el, result);
  const showFields = () => {
    const k = kind.value;
    const show = { site_kind: k === 'site', movement_kind: k === 'movement', op_kind: k === 'operation', width_m: k === 'movement',
      radius_m: k !== 'movement', alt_lower: k === 'operation', alt_upper: k === 'operation', time_end: k !== 'site' };
    for (const [n, on] of Object.entries(show)) form.elements[n].closest('.field').hidden = !on;
    sketch.render();
  };
  kind.addEventListener('change', showFields);
  sketch.onChange = (n) => { count.textContent = t('draw.count', { n }); };
  const defaults = () => {
    const t0 = getTime();
    if (!start.dataset.touched) { start.value = localInput(t0); end.value = localInput(t0 + 6 * 3600e3); }
    showFields();
  };
  for (const el of [start, end]) el.addEventListener('input', () => { start.dataset.touched = '1'; });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    sketch.stop();
    m.result.replaceChildren();
    result.replaceChildren();
    const k = kind.value;
    let body;
    try { body = notifyBody(k, sketch.points, form.elements); } catch (err) { formError(form, m.error, err); return; }
    try {
      const path = KINDS.find(([x]) => x === k)[1];
      const r = await api(path, { method: 'POST', body });
      const id = r.id || (r.properties && r.properties.id);
      formDone(m.error, m.result, h('p', { class: 'ok' }, t('notify.done', { what: t(`notify.kind.${k}`), id, index: r.receipt ? r.receipt.index : '–',
        n: (r.conflicts || []).length })));
      put(result, conflictList(r.conflicts));
      sketch.clear();
      delete start.dataset.touched;
      added(k, r);
    } catch (err) {
      formError(form, m.error, err);
      if (err.problem && err.problem.conflicts) put(result, conflictList(err.problem.conflicts));
    }
  });
  return { form, shown: defaults, sketch };
}
