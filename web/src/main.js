// main.js — the dashboard's entry: the language, sign-in, the map view (layers at the map's
// time, the time bar, incidents, forms, inbox, messages, mine action, details, territory),
// the bulletin and agreements views. window.truce exposes the state to the browser test.
import 'leaflet/dist/leaflet.css';
import './style.css';
import { api, token, has, may, setRole } from './api.js';
import * as i18n from './i18n.js';
import { t } from './i18n.js';
import { MapView, timeRange } from './map.js';
import { DeconflictLayers, activeAt, siteAt, movementAt, operationStart } from './layers.js';
import { Incidents } from './incidents.js';
import { showIncident, rememberReceipt } from './panel.js';
import { reportForm, notifyForm, notifyKinds } from './forms.js';
import { Inbox } from './inbox.js';
import { Messages } from './messages.js';
import { MineAction } from './mine.js';
import { showBulletin } from './bulletin.js';
import { showMovement, showOperation, showCorridor, detailsForm } from './details.js';
import { Territory } from './territory.js';
import { Measures } from './measures.js';
import { showAgreements } from './agreements.js';
import { h, tabs, status, iso, day, put } from './ui.js';
import { districtAt } from './basemap.js';
import { Traffic } from './traffic.js';

const $ = (id) => document.getElementById(id);
const DAY = 86400e3;
const state = { ready: false, me: null, i18nMissing: i18n.missing, view: null, name: 'map', districtAt };
window.truce = state;

async function signIn(tk) {
  token.set(tk);
  try {
    state.me = await api('/v1/me');
  } catch (e) {
    token.clear();
    throw e;
  }
  setRole(state.me.role);
  i18n.forParty(state.me.name);
}

function showView(name) {
  state.name = name;
  for (const b of document.querySelectorAll('#nav button')) b.setAttribute('aria-pressed', String(b.dataset.view === name));
  $('view-map').hidden = name !== 'map';
  $('view-bulletin').hidden = name !== 'bulletin';
  $('view-agreements').hidden = name !== 'agreements';
  if (name !== 'map' && state.view && state.view.mode) state.view.mode.end();
  if (name === 'map') state.view.map.invalidateSize();
  if (name === 'bulletin') return showBulletin($('view-bulletin'), state.bulletinDay || day(Date.now()));
  if (name === 'agreements') return showAgreements($('view-agreements'), state.at).catch((e) => status(e.message, { error: true }));
  return null;
}

// The time bar: a slider in whole days, day steps, a date box and the hour. The map's time
// (state.ms) drives the areas, operations, sites, movements, incidents, territory and the
// corridor shown.
function timeBar(min, max, onTime) {
  const slider = $('time'), dateEl = $('time-date'), hourEl = $('time-hour');
  slider.min = String(min / 1000);
  slider.max = String(Math.floor(max / DAY) * DAY / 1000);
  dateEl.min = day(min);
  dateEl.max = day(max);
  let timer = null;
  const show = (ms) => {
    slider.value = String(Math.floor(ms / DAY) * DAY / 1000);
    slider.setAttribute('aria-valuetext', i18n.date(ms));
    dateEl.value = day(ms);
    hourEl.value = new Date(ms).toISOString().slice(11, 16);
    $('time-out').textContent = i18n.time(ms);
  };
  const set = (ms, { now = false } = {}) => {
    ms = Math.max(min, Math.min(max, ms));
    state.ms = ms;
    show(ms);
    clearTimeout(timer);
    if (now) return onTime(ms);
    timer = setTimeout(() => onTime(ms), 150);
    return null;
  };
  const hourOf = () => (state.ms ?? max) % DAY;
  slider.addEventListener('input', () => set(Number(slider.value) * 1000 + hourOf()));
  dateEl.addEventListener('change', () => { if (dateEl.value) set(Date.parse(`${dateEl.value}T00:00:00Z`) + hourOf()); });
  hourEl.addEventListener('change', () => { if (hourEl.value) set(Math.floor(state.ms / DAY) * DAY + Date.parse(`1970-01-01T${hourEl.value}:00Z`)); });
  $('day-prev').addEventListener('click', () => set(state.ms - DAY));
  $('day-next').addEventListener('click', () => set(state.ms + DAY));
  i18n.onChange(() => show(state.ms));
  return set;
}

async function start() {
  $('signin').hidden = true;
  $('nav').hidden = false;
  $('who').hidden = false;
  $('view-map').hidden = false;
  const me = state.me;
  const who = () => { $('who-name').textContent = t('app.who', { name: me.name, role: i18n.label('role', me.role) }); };
  who();
  i18n.onChange(who);
  const view = new MapView($('map'));
  state.view = view;
  view.initAreas();
  view.mountLegend($('panel-layers'));
  const getTime = () => state.ms;

  // The Details tab: a movement, an operation or a corridor, clicked on the map or asked for.
  const details = h('div', { id: 'details-panel', class: 'incident-panel', tabindex: '-1' });
  const showOnMap = (geometry, startMs) => {
    if (Number.isFinite(startMs) && !(startMs <= state.ms && state.ms < startMs + DAY)) setTime(startMs, { now: true });
    view.show(geometry);
  };
  const showDetails = async (kind, id, { focus = true } = {}) => {
    if (kind === 'incident') return open(id);
    if (kind === 'hazard') { selectTab('tab-mine'); return mine && mine.show(id); }
    if (focus) { selectTab('tab-details'); details.focus(); }
    if (kind === 'movement') await showMovement(details, id, (g, tStart) => showOnMap(g, Date.parse(tStart)));
    if (kind === 'operation') {
      await showOperation(details, id, me, (op) => deconf.updateOperation(op), null, (op, s) => flyToOperation(op, s));
    }
    if (kind === 'corridor') await showCorridor(details, id, state.at, me);
    state.details = { kind, id };
    state.detailsShown = `${kind}/${id}@${state.at}`;
    return null;
  };
  state.showDetails = showDetails;
  const detailsHead = h('div', {});
  const renderDetailsHead = () => put(detailsHead, h('h2', {}, t('details.title')), detailsForm(showDetails));
  renderDetailsHead();
  $('panel-details').append(detailsHead, details);
  view.onCorridor = (id) => showDetails('corridor', id);
  const deconf = new DeconflictLayers(view, view.renderer, showDetails);
  state.deconf = deconf;
  const flyToOperation = (op, s) => {
    if (Number.isFinite(s) && !activeAt(op, state.ms)) setTime(s + 1000, { now: true });
    const layers = [];
    for (const v of op.volumes || []) {
      const g = v.volume || {};
      if (g.outline_circle) layers.push({ type: 'Point', coordinates: [g.outline_circle.center.lng, g.outline_circle.center.lat] });
      if (g.outline_polygon) { const r = g.outline_polygon.vertices.map((p) => [p.lng, p.lat]); r.push(r[0]); layers.push({ type: 'Polygon', coordinates: [r] }); }
    }
    view.show({ type: 'GeometryCollection', geometries: layers });
  };

  // Incidents: the list and panel.
  const panel = h('div', { id: 'incident-panel', class: 'incident-panel', tabindex: '-1' });
  const listEl = h('div');
  $('panel-incidents').append(listEl, panel);
  const territory = has('GET', '/v1/territory') ? new Territory($('panel-territory')) : null;
  state.territory = territory;
  const refreshTerritory = () => {
    if (!territory || $('panel-territory').hidden) return null;
    return territory.show(state.ms).catch((e) => status(e.message, { error: true }));
  };
  if (!territory) $('tab-territory').hidden = true;
  // Issue 20: separation and aid as series over time.
  const measures = has('GET', '/v1/aid') ? new Measures($('panel-measures')) : null;
  state.measures = measures;
  if (!measures) $('tab-measures').hidden = true;
  let report = null, notify = null, mine = null, messages = null;
  const selectTab = tabs(document.querySelector('.tabs'), (tab) => {
    if (view.mode) view.mode.end(); // a pick or a drawing ends with its panel
    if (report) (tab === 'tab-report' ? report.shown() : report.hidden());
    if (notify && tab === 'tab-notify') notify.shown();
    if (tab === 'tab-territory') refreshTerritory();
    if (tab === 'tab-measures' && measures) measures.show(state.ms).catch((e) => status(e.message, { error: true }));
    if (tab === 'tab-messages' && messages) messages.load().catch((e) => status(e.message, { error: true }));
  });
  state.selectTab = selectTab;
  const showIncidentOnMap = (inc) => {
    const ms = Date.parse(inc.occurred_at);
    if (!(ms <= state.ms)) setTime(ms, { now: true });
    view.show(inc.location, { maxZoom: 13 });
  };
  const open = (id) => {
    selectTab('tab-incidents');
    showIncident(panel, id, (inc, gone) => incidents.upsert(inc, gone), showIncidentOnMap);
    panel.focus();
  };
  const incidents = new Incidents(view, open);
  incidents.mountList(listEl);
  state.incidents = incidents;

  // The map's time.
  const { min, max, start: opening } = await timeRange();
  state.range = { min, max };
  const onTime = async (ms) => {
    state.at = iso(ms);
    await view.loadAreas(ms);
    if (state.ms !== ms) return;
    deconf.redraw(ms);
    incidents.setTime(ms);
    await refreshTerritory();
    if (state.details && state.details.kind === 'corridor' && !$('panel-details').hidden) await showDetails('corridor', state.details.id, { focus: false });
    state.areasAt = iso(ms);
  };
  const setTime = timeBar(min, max, onTime);
  state.setTime = (isoTime) => setTime(Date.parse(isoTime), { now: true });
  state.ms = opening;
  incidents.at = opening;
  await setTime(opening, { now: true });
  await deconf.load(state.ms);

  // Forms, offered to the roles that may use them.
  const [parties, actors] = await Promise.all([api('/v1/parties'), api('/v1/actors')]);
  const names = [...parties.items.map((p) => p.name), ...actors.items.map((a) => a.name)].sort();
  // A new object shows at once: the map's time moves to it when it would not show then.
  const reveal = (startMs, visible) => { if (!visible(state.ms)) return setTime(startMs, { now: true }); return null; };
  const onReport = async (r) => {
    rememberReceipt(r.id, r.receipt);
    const inc = await api(`/v1/incidents/${r.incident_id}`);
    const ms = Date.parse(inc.occurred_at);
    await reveal(ms, (now) => ms <= now);
    incidents.upsert(inc);
    view.show(inc.location, { maxZoom: Math.max(view.map.getZoom(), 11) });
    state.lastReport = r;
  };
  const onNotify = async (kind, r) => {
    if (kind === 'operation') {
      await reveal(operationStart(r) + 1000, (now) => activeAt(r, now));
      deconf.addOperation(r);
      flyToOperation(r, NaN);
    }
    if (kind === 'site') {
      await reveal(Date.parse(r.properties.valid_from), (now) => siteAt(r.properties, now));
      deconf.addSite(r);
      view.show(r.geometry);
    }
    if (kind === 'movement') {
      await reveal(Date.parse(r.properties.time_start), (now) => movementAt(r.properties, now));
      deconf.addMovement(await api(`/v1/movements/${r.properties.id}`).catch(() => r));
      view.show(r.geometry);
    }
  };
  if (may('POST', '/v1/reports')) {
    report = reportForm(view, me, names, getTime, onReport);
    $('panel-report').append(report.form);
  } else {
    $('tab-report').hidden = true;
  }
  if (notifyKinds().length) {
    notify = notifyForm(view, getTime, onNotify);
    $('panel-notify').append(notify.form);
  } else {
    $('tab-notify').hidden = true;
  }
  state.notify = notify;
  if (has('GET', '/v1/messages')) {
    messages = new Messages($('panel-messages'), me, parties.items.map((p) => p.name).sort());
    state.messages = messages;
  } else $('tab-messages').hidden = true;
  if (has('GET', '/v1/hazards')) {
    mine = new MineAction($('panel-mine'), view, deconf, me, getTime, (g) => view.show(g));
    state.mine = mine;
  } else $('tab-mine').hidden = true;

  // Notices: "show on map" brings the object into view at its start and opens its panel.
  const onShowNotice = async (n, d) => {
    const start = d.from ? Date.parse(d.from) : NaN;
    if (Number.isFinite(start)) setTime(start + 1000, { now: true });
    if (d.geometry) view.show(d.geometry);
    if (d.details) await showDetails(d.details[0], d.details[1], { focus: true });
    state.noticeShown = n.id;
  };
  const traffic = new Traffic(view, $('panel-traffic')); // live tracks and alerts (traffic.js)
  state.traffic = traffic;
  if (!traffic.enabled) $('tab-traffic').hidden = true;
  traffic.start().catch((e) => status(t('traffic.failed', { message: e.message }), { error: true }));
  const inbox = new Inbox($('panel-inbox'), $('inbox-badge'), $('live'), me, (n) => { deconf.fromNotice(n); traffic.fromNotice(n); }, onShowNotice);
  state.inbox = inbox;
  inbox.start().catch((e) => status(e.message, { error: true }));

  // Re-render what was built in the previous language.
  i18n.onChange(() => {
    renderDetailsHead();
    if (state.details && !$('panel-details').hidden) showDetails(state.details.kind, state.details.id, { focus: false });
    if (report) { const f = report.form; report.hidden(); report = reportForm(view, me, names, getTime, onReport); f.replaceWith(report.form); }
    if (notify) { const f = notify.form; notify.sketch.clear(); notify = notifyForm(view, getTime, onNotify); f.replaceWith(notify.form); }
    if (mine) mine = new MineAction($('panel-mine'), view, deconf, me, getTime, (g) => view.show(g));
    if (messages) { messages = new Messages($('panel-messages'), me, parties.items.map((p) => p.name).sort()); messages.load().catch(() => {}); }
    const inc = panel.querySelector('#incident-title');
    if (inc) showIncident(panel, Number(inc.dataset.id), (x, gone) => incidents.upsert(x, gone), showIncidentOnMap);
    traffic.render();
    if (state.name !== 'map') { $(`view-${state.name}`).dataset.built = ''; showView(state.name); }
    state.mine = mine; state.messages = messages; state.notify = notify;
  });
  await incidents.load((n, done) => status(done ? t('incidents.loaded', { n }) : t('incidents.loading', { n }), { keep: !done }));
  const latest = [...incidents.byId.values()].reduce((a, c) => (c.at && c.at > a ? c.at : a), '');
  state.bulletinDay = latest ? latest.slice(0, 10) : day(Date.now());
  state.ready = true;
  document.body.dataset.ready = 'true';
}

function boot() {
  i18n.init();
  $('lang').value = i18n.current();
  $('lang').addEventListener('change', () => i18n.choose($('lang').value, state.me && state.me.name));
  i18n.onChange((l) => { $('lang').value = l; document.title = t('app.title'); });
  document.title = t('app.title');
  $('signin-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('signin-error').textContent = '';
    try {
      await signIn($('token').value.trim());
      $('token').value = '';
      await start();
    } catch (err) {
      $('signin-error').textContent = err.status === 401 ? t('signin.bad') : t('signin.failed', { message: err.message });
    }
  });
  $('signout').addEventListener('click', () => { token.clear(); sessionStorage.clear(); location.reload(); });
  for (const b of document.querySelectorAll('#nav button')) b.addEventListener('click', () => showView(b.dataset.view));
  if (token.get()) {
    signIn(token.get()).then(start).catch(() => { $('signin').hidden = false; });
  } else {
    $('token').focus();
  }
}

boot();
