// main.js — the dashboard's entry: sign-in, the map view (layers, time slider, incidents,
// forms, inbox) and the bulletin view. window.truce exposes the state to the browser test.
import 'leaflet/dist/leaflet.css';
import './style.css';
import { api, token, has } from './api.js';
import { MapView, timeRange } from './map.js';
import { DeconflictLayers } from './layers.js';
import { Incidents } from './incidents.js';
import { showIncident, rememberReceipt } from './panel.js';
import { reportForm, notifyForm } from './forms.js';
import { Inbox } from './inbox.js';
import { showBulletin } from './bulletin.js';
import { showMovement, showOperation, showCorridor, detailsForm } from './details.js';
import { Territory } from './territory.js';
import { showAgreements } from './agreements.js';
import { Traffic } from './traffic.js';
import { h, tabs, status, iso, day, fmt } from './ui.js';

const $ = (id) => document.getElementById(id);
const hour = (ms) => `${iso(ms).slice(0, 13)}:00Z`;
const state = { ready: false, me: null };
window.truce = state;

async function signIn(t) {
  token.set(t);
  try {
    state.me = await api('/v1/me');
  } catch (e) {
    token.clear();
    throw e;
  }
}

function showView(name) {
  for (const b of document.querySelectorAll('#nav button')) b.setAttribute('aria-pressed', String(b.dataset.view === name));
  $('view-map').hidden = name !== 'map';
  $('view-bulletin').hidden = name !== 'bulletin';
  $('view-agreements').hidden = name !== 'agreements';
  if (name === 'map') state.view.map.invalidateSize();
  if (name === 'bulletin') showBulletin($('view-bulletin'), state.bulletinDay || day(Date.now()));
  if (name === 'agreements') showAgreements($('view-agreements'), state.at).catch((e) => status(`Agreements: ${e.message}`, { error: true }));
}

async function start() {
  $('signin').hidden = true;
  $('nav').hidden = false;
  $('who').hidden = false;
  $('view-map').hidden = false;
  $('who-name').textContent = `${state.me.name} (${state.me.role})`;
  const view = new MapView($('map'));
  const slider = $('time');
  state.view = view;
  view.initAreas();
  view.mountLegend($('panel-layers'));
  // The Details tab: a movement, an operation or a corridor, clicked on the map or asked for.
  const details = h('div', { id: 'details-panel', class: 'incident-panel', tabindex: '-1' });
  const showDetails = async (kind, id, { focus = true } = {}) => {
    if (focus) { selectTab('tab-details'); details.focus(); }
    if (kind === 'movement') await showMovement(details, id);
    if (kind === 'operation') await showOperation(details, id, state.me, (op) => deconf.updateOperation(op));
    if (kind === 'corridor') await showCorridor(details, id, state.at);
    state.details = { kind, id };
    state.detailsShown = `${kind}/${id}@${state.at}`;
  };
  state.showDetails = showDetails;
  $('panel-details').append(h('h2', {}, 'Details'), detailsForm(showDetails), details);
  view.onCorridor = (id) => showDetails('corridor', id);
  const deconf = new DeconflictLayers(view, view.renderer, showDetails);
  state.deconf = deconf;
  const panel = h('div', { id: 'incident-panel', class: 'incident-panel', tabindex: '-1' });
  const listEl = h('div');
  $('panel-incidents').append(listEl, panel);
  const territory = has('GET', '/v1/territory') ? new Territory($('panel-territory')) : null;
  state.territory = territory;
  const refreshTerritory = () => {
    if (!territory || $('panel-territory').hidden) return null;
    return territory.show(Number(slider.value) * 1000).catch((e) => status(`Territory: ${e.message}`, { error: true }));
  };
  if (!territory) $('tab-territory').hidden = true;
  const selectTab = tabs(document.querySelector('.tabs'), (tab) => { if (tab === 'tab-territory') refreshTerritory(); });
  const open = (id) => {
    selectTab('tab-incidents');
    showIncident(panel, id, (inc) => incidents.upsert(inc));
    panel.focus();
  };
  const incidents = new Incidents(view, open);
  incidents.mountList(listEl);
  state.incidents = incidents;

  // The time slider: areas in force and operations active at t.
  const { min, max } = await timeRange();
  slider.min = String(min / 1000);
  slider.max = String(max / 1000);
  slider.value = slider.max;
  const setTime = async () => {
    const ms = Number(slider.value) * 1000;
    $('time-out').textContent = hour(ms);
    slider.setAttribute('aria-valuetext', hour(ms));
    state.at = iso(ms);
    await view.loadAreas(ms);
    deconf.redraw(ms);
    await refreshTerritory();
    if (state.details && state.details.kind === 'corridor' && !$('panel-details').hidden) await showDetails('corridor', state.details.id, { focus: false });
    state.areasAt = iso(ms);
  };
  let timer = null;
  slider.addEventListener('input', () => { $('time-out').textContent = hour(Number(slider.value) * 1000); clearTimeout(timer); timer = setTimeout(setTime, 150); });
  state.setTime = async (isoTime) => { slider.value = String(Date.parse(isoTime) / 1000); await setTime(); };
  await setTime();
  await deconf.load(Number(slider.value) * 1000);

  // Names for the forms: parties and actors.
  const [parties, actors] = await Promise.all([api('/v1/parties'), api('/v1/actors')]);
  const names = [...parties.items.map((p) => p.name), ...actors.items.map((a) => a.name)].sort();
  $('panel-report').append(reportForm(view, names, async (r) => {
    rememberReceipt(r.id, r.receipt);
    const inc = await api(`/v1/incidents/${r.incident_id}`);
    const c = incidents.upsert(inc);
    view.map.setView([c.lat, c.lon], 14);
    state.lastReport = r;
  }));
  $('panel-notify').append(notifyForm(view, () => Number(slider.value) * 1000, (kind, r) => {
    if (kind === 'operation') deconf.addOperation(r, Number(slider.value) * 1000);
    if (kind === 'site') deconf.addSite(r);
    if (kind === 'movement') api(`/v1/movements/${r.properties.id}`).then((m) => deconf.addMovement(m)).catch(() => deconf.addMovement(r));
  }));
  const traffic = new Traffic(view, $('panel-traffic')); // live tracks and alerts (traffic.js)
  state.traffic = traffic;
  if (!traffic.enabled) $('tab-traffic').hidden = true;
  traffic.start().catch((e) => status(`Traffic: ${e.message}`, { error: true }));
  const inbox = new Inbox($('panel-inbox'), $('inbox-badge'), $('live'), (n) => { deconf.fromNotice(n); traffic.fromNotice(n); });
  state.inbox = inbox;
  inbox.start().catch((e) => status(`Notices: ${e.message}`, { error: true }));

  await incidents.load((n, done) => status(done ? `${fmt(n)} incidents loaded` : `Loading incidents… ${fmt(n)}`, { keep: !done }));
  const latest = [...incidents.byId.values()].reduce((m, c) => (c.at && c.at > m ? c.at : m), '');
  state.bulletinDay = latest ? latest.slice(0, 10) : day(Date.now());
  state.ready = true;
  document.body.dataset.ready = 'true';
}

function boot() {
  $('signin-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('signin-error').textContent = '';
    try {
      await signIn($('token').value.trim());
      $('token').value = '';
      await start();
    } catch (err) {
      $('signin-error').textContent = err.status === 401 ? 'That token is not valid.' : `Cannot sign in: ${err.message}`;
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
