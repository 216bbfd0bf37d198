// traffic.js — live tracks and tactical alerts on the page (issue 16, docs/traffic.md).
// The tracks layer: each track the party may see (GET /v1/tracks, the live picture, every
// 2 s) as a dot in its party's colour, a heading line (where it will be in 60 s), a short
// trail of its last positions (kept by the page) and a label (callsign or own id, flight
// level). The traffic list: the alerts in force about the party's tracks and objects
// (GET /v1/traffic/alerts once, then the `traffic` notices of the SSE stream, handed over by
// the inbox), newest change first; the tracks of an alert are drawn in its level's colour.
// A restricted track is never drawn: the API does not answer it, and its alerts say only
// "restricted traffic" and a distance band.
import L from 'leaflet';
import { api, has } from './api.js';
import { partyColour } from './map.js';
import { h, status, put } from './ui.js';
import { t, label, time as fmtTime, num } from './i18n.js';

const LEVEL_COLOURS = ['#888', '#f1c40f', '#e67e22', '#e31a1c'];
const TRAIL = 12;        // positions kept per track
const POLL_MS = 2000;
const HEADING_S = 60;    // the heading line: where the track will be in this many seconds
const LABELS_MAX = 300;  // permanent labels only up to this many tracks (else on hover)

// The point d metres east and n metres north of (lat, lon) (a local flat frame: a few km).
function offset(lat, lon, e, n) {
  const k = 111320;
  return [lat + n / k, lon + e / (k * Math.cos((lat * Math.PI) / 180))];
}

function trackLabel(p) {
  const fl = `FL${String(Math.round(p.alt_m / 0.3048 / 100)).padStart(3, '0')}`;
  return `${p.callsign || p.track} ${fl}`;
}

// A stable key for one alert (its episode: the change that raised it).
const alertKey = (a) => String(a.episode || a.alert);

export class Traffic {
  constructor(view, panel) {
    this.view = view;
    this.panel = panel;
    this.tracks = new Map(); // id -> {props, trail: [[lat, lon]], layers}
    this.alerts = new Map(); // episode -> the latest change (a TrafficAlert)
    this.layer = L.layerGroup();
    this.enabled = has('GET', '/v1/tracks');
    if (this.enabled) view.add('tracks', this.layer, '#1a1a1a');
    this.timer = null;
  }

  async start() {
    if (!this.enabled) return;
    if (has('GET', '/v1/traffic/alerts')) {
      const r = await api('/v1/traffic/alerts');
      for (const a of r.items) this.alerts.set(alertKey(a), a);
    }
    await this.poll();
    this.renderList();
  }

  stop() { clearTimeout(this.timer); }

  async poll() {
    try {
      const pic = await api('/v1/tracks');
      this.update(pic.features);
    } catch (e) {
      status(t('traffic.tracksFailed', { message: e.message }), { error: true });
    }
    this.timer = setTimeout(() => this.poll(), POLL_MS);
  }

  // The picture's features: new positions extend trails; tracks no longer answered go.
  update(features) {
    const seen = new Set();
    for (const f of features) {
      const p = f.properties;
      seen.add(p.id);
      let t = this.tracks.get(p.id);
      if (!t) { t = { trail: [], layers: [] }; this.tracks.set(p.id, t); }
      const ll = [p.lat, p.lon];
      const last = t.trail[t.trail.length - 1];
      if (!last || last[0] !== ll[0] || last[1] !== ll[1]) t.trail.push(ll);
      if (t.trail.length > TRAIL) t.trail.shift();
      t.props = p;
    }
    for (const id of [...this.tracks.keys()]) if (!seen.has(id)) this.tracks.delete(id);
    this.draw();
  }

  // The highest level of an active alert naming each track (own tracks: also alert_level).
  levels() {
    const lv = new Map();
    const bump = (id, l) => { if (id && l > (lv.get(id) || 0)) lv.set(id, l); };
    for (const a of this.alerts.values()) {
      if (a.yours.type === 'track') bump(a.yours.id, a.level);
      if (a.other.type === 'track' && !a.other.restricted) bump(a.other.id, a.level);
    }
    for (const [id, t] of this.tracks) bump(id, t.props.alert_level || 0);
    return lv;
  }

  draw() {
    this.layer.clearLayers();
    const renderer = this.view.renderer;
    const lv = this.levels();
    const permanent = this.tracks.size <= LABELS_MAX;
    for (const [id, t] of this.tracks) {
      const p = t.props;
      const level = lv.get(id) || 0;
      const colour = level ? LEVEL_COLOURS[level] : partyColour(p.party);
      const ahead = offset(p.lat, p.lon, p.vx_mps * HEADING_S, p.vy_mps * HEADING_S);
      if (t.trail.length > 1)
        L.polyline(t.trail, { renderer, color: '#555', weight: 1.5, opacity: 0.7, dashArray: '3 3', interactive: false }).addTo(this.layer);
      L.polyline([[p.lat, p.lon], ahead], { renderer, color: colour, weight: 2, interactive: false }).addTo(this.layer);
      const dot = L.circleMarker([p.lat, p.lon], { renderer, radius: level ? 7 : 5, color: colour, weight: level ? 3 : 1,
        fillColor: colour, fillOpacity: 0.9, className: level ? `track alert-${level}` : 'track' });
      dot.bindTooltip(trackLabel(p), { permanent, direction: 'right', className: 'track-label' });
      dot.addTo(this.layer);
    }
    this.view.setCount('tracks', this.tracks.size);
  }

  // A notice from the inbox: alert changes and ended tracks.
  fromNotice(n) {
    if (!this.enabled || n.kind !== 'traffic') return;
    const p = n.payload || {};
    if (n.about.type === 'traffic_alert') {
      if (p.change === 'cleared') this.alerts.delete(alertKey(p));
      else this.alerts.set(alertKey(p), p);
    } else if (n.about.type === 'track' && p.change === 'ended') {
      this.tracks.delete(n.about.id);
    }
    this.lastNotice = n.id;
    this.draw();
    this.renderList();
  }

  // The list in the page's language (called again when the language changes).
  render() { if (this.enabled) this.renderList(); }

  renderList() {
    const items = [...this.alerts.values()].sort((a, b) => b.level - a.level || b.alert - a.alert).map((a) => {
      const o = a.other;
      const other = o.type !== 'track' ? t('traffic.object', { type: label('trafficKind', o.type), id: o.id, owner: o.owner })
        : o.restricted ? t('traffic.restricted', { contact: o.contact, band: o.distance_band || t('traffic.noBand') })
          : t('traffic.track', { name: o.callsign || o.track, owner: o.owner });
      const y = a.yours;
      const yours = y.type === 'track' ? (y.callsign || y.track) : t('traffic.yours', { type: label('trafficKind', y.type), id: y.id });
      const los = a.time_to_los_s === null || a.time_to_los_s === undefined ? '' : t('traffic.los', { s: num(Math.round(a.time_to_los_s)) });
      return h('li', { class: `alert-${a.level}`, 'data-alert': alertKey(a), 'data-level': String(a.level) },
        h('strong', {}, t('traffic.level', { level: label('trafficLevel', a.level_name), kind: label('trafficKind', a.kind) })),
        ` ${yours} — ${other}${los}`,
        h('small', {}, ` ${t('traffic.change', { change: label('trafficChange', a.change), at: fmtTime(a.at, { seconds: true }) })}`));
    });
    put(this.panel, h('h2', {}, t('traffic.title')),
      items.length ? h('ul', { class: 'traffic-list', 'aria-live': 'polite' }, items) : h('p', {}, t('traffic.none')));
  }
}
