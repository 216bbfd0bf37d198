// inbox.js — the party's notices, newest first, each saying what it is about (the object's
// kind, name, owner, window and where), with "show on map" and an acknowledge button that
// says what acknowledging means; live over Server-Sent Events (GET /v1/notices/stream read
// with fetch, since EventSource cannot send the token), falling back to polling
// GET /v1/notices?after= while the stream is unavailable.
import { api, has, token } from './api.js';
import { t, label, time as fmtTime, relative, onChange } from './i18n.js';
import { where } from './basemap.js';
import { h, status, put } from './ui.js';

const tv = (v) => (v && v.value ? v.value : v);

// A point for a geometry or a Volume4D: [lon, lat] or null.
function centreOf(g) {
  if (!g) return null;
  if (g.outline_circle) return [g.outline_circle.center.lng, g.outline_circle.center.lat];
  if (g.outline_polygon) { const v = g.outline_polygon.vertices; return [v.reduce((a, p) => a + p.lng, 0) / v.length, v.reduce((a, p) => a + p.lat, 0) / v.length]; }
  const flat = [];
  const walk = (c) => { if (typeof c[0] === 'number') flat.push(c); else c.forEach(walk); };
  if (g.coordinates) walk(g.coordinates);
  if (!flat.length) return null;
  return [flat.reduce((a, p) => a + p[0], 0) / flat.length, flat.reduce((a, p) => a + p[1], 0) / flat.length];
}

// A GeoJSON geometry for an operation's volumes (circles as their centre).
function operationGeometry(op) {
  const polys = [], points = [];
  for (const v of op.volumes || []) {
    const g = v.volume || {};
    if (g.outline_polygon) { const r = g.outline_polygon.vertices.map((p) => [p.lng, p.lat]); r.push(r[0]); polys.push([r]); }
    if (g.outline_circle) points.push([g.outline_circle.center.lng, g.outline_circle.center.lat]);
  }
  return { type: 'GeometryCollection', geometries: [...polys.map((c) => ({ type: 'Polygon', coordinates: c })), ...points.map((c) => ({ type: 'Point', coordinates: c }))] };
}

// What a notice is about, for people: {title, object, owner, window, where, start, geometry,
// details: [kind, id] to open, mine}.
export function describe(n) {
  const p = n.payload || {};
  const about = n.about || {};
  const d = { kind: about.type, id: about.id, name: null, owner: null, from: null, to: null, geometry: null, centre: null, mine: null };
  if (p.operation) {
    const op = p.operation;
    d.kind = 'operation'; d.id = op.id; d.owner = op.owner; d.name = label('opKind', op.kind);
    const ts = (op.volumes || []).map((v) => Date.parse(tv(v.time_start))), te = (op.volumes || []).map((v) => Date.parse(tv(v.time_end)));
    if (ts.length) { d.from = new Date(Math.min(...ts)).toISOString(); d.to = new Date(Math.max(...te)).toISOString(); }
    d.geometry = operationGeometry(op);
    d.centre = centreOf((op.volumes || [])[0] && op.volumes[0].volume);
  } else if (p.conflicting) {
    const c = p.conflicting;
    d.kind = c.type; d.id = c.id; d.owner = c.owner; d.name = c.name || (c.kind ? label(`${c.type}Kind`, c.kind) : null);
    d.restricted = c.restricted;
  } else if (p.properties && p.geometry) {
    const q = p.properties;
    d.id = q.id; d.owner = q.owner; d.name = q.name || label(`${about.type}Kind`, q.kind);
    d.from = q.time_start || (q.valid_from && !q.valid_from.startsWith('1970') ? q.valid_from : null); d.to = q.time_end || q.valid_to || null;
    d.geometry = p.geometry; d.centre = centreOf(p.geometry);
  } else if (p.movement) {
    d.kind = 'movement'; d.id = p.movement.id; d.name = p.movement.name;
  } else if (p.message) {
    const msg = p.message;
    d.kind = 'message'; d.id = msg.id; d.owner = msg.from; d.name = msg.subject || label('messageKind', msg.kind);
    d.text = msg.text;
  } else if (n.kind === 'alert') {
    d.kind = 'incident'; d.id = p.incident_id; d.name = label('grade', p.grade);
  }
  if (p.conflict_with) {
    const w = p.conflict_with;
    d.mine = { type: w.type, id: w.id, band: w.distance_band };
    d.from = tv(w.time_start) || d.from; d.to = tv(w.time_end) || d.to;
    if (p.conflicting) d.details = ['operation', w.id];
  }
  if (p.state || p.status) d.change = label(p.state ? 'opState' : 'movementStatus', p.state || p.status);
  d.where = d.centre ? where(d.centre[0], d.centre[1]) : null;
  if (!d.details && (d.kind === 'operation' || d.kind === 'movement' || d.kind === 'hazard')) d.details = [d.kind, d.id];
  if (d.kind === 'incident') d.details = ['incident', d.id];
  return d;
}

export class Inbox {
  // onNotice(n) for every new notice; onShow(n, d) for "show on map" (d: describe(n)).
  constructor(el, badge, liveDot, me, onNotice, onShow) {
    this.el = el;
    this.badge = badge;
    this.liveDot = liveDot;
    this.me = me;
    this.onNotice = onNotice;
    this.onShow = onShow;
    this.notices = new Map();
    this.after = '0';
    this.stopped = false;
    this.mode = 'none';
    this.openOnly = false;
    onChange(() => { this.render(); this.setMode(this.mode); });
  }

  add(n) {
    const fresh = !this.notices.has(n.id);
    this.notices.set(n.id, n);
    if (n.id > Number(this.after)) this.after = String(n.id);
    if (fresh && this.onNotice) this.onNotice(n);
  }

  async start() {
    // Catch up from the feed first, then follow the stream (or poll).
    for (let i = 0; i < 1000; i++) {
      const page = await api(`/v1/notices?after=${this.after}&limit=1000`);
      page.items.forEach((n) => this.add(n));
      this.after = page.next_cursor || this.after;
      if (!page.more) break;
    }
    this.render();
    this.follow();
  }

  stop() { this.stopped = true; if (this.abort) this.abort.abort(); }

  async follow() {
    while (!this.stopped) {
      const streamed = await this.stream();
      if (this.stopped) return;
      this.setMode('poll');
      // Poll until the next try of the stream (a stream that is not served is retried each minute).
      const until = Date.now() + (streamed ? 3000 : 60000);
      while (!this.stopped && Date.now() < until) {
        try {
          const page = await api(`/v1/notices?after=${this.after}&limit=1000`);
          page.items.forEach((n) => this.add(n));
          if (page.items.length) this.render();
          this.after = page.next_cursor || this.after;
        } catch { /* the server is away: try again */ }
        await new Promise((r) => setTimeout(r, 3000));
      }
    }
  }

  // Reads the SSE stream until it ends; answers whether it was served at all.
  async stream() {
    if (!has('GET', '/v1/notices/stream')) return false;
    this.abort = new AbortController();
    let r;
    try {
      r = await fetch(`/v1/notices/stream?after=${encodeURIComponent(this.after)}`, {
        headers: { Authorization: `Bearer ${token.get()}`, Accept: 'text/event-stream', 'Last-Event-ID': this.after },
        signal: this.abort.signal,
      });
    } catch { return false; }
    if (!r.ok || !(r.headers.get('Content-Type') || '').startsWith('text/event-stream')) {
      r.body?.cancel();
      return false;
    }
    this.setMode('live');
    const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value.replace(/\r\n?/g, '\n');
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          this.event(buf.slice(0, end));
          buf = buf.slice(end + 2);
        }
      }
    } catch { /* cut: fall back, then retry */ }
    return true;
  }

  // One SSE event block: "id:", "event:", "data:" lines (comments start with ':').
  event(block) {
    let ev = 'message', data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const k = i < 0 ? line : line.slice(0, i);
      const v = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (k === 'event') ev = v;
      else if (k === 'data') data += (data ? '\n' : '') + v;
    }
    if (ev !== 'notice' || !data) return;
    try { this.add(JSON.parse(data)); this.render(); } catch { /* not a notice */ }
  }

  setMode(m) {
    this.mode = m;
    this.liveDot.dataset.mode = m;
    const text = t(`live.${m}`);
    this.liveDot.title = text;
    this.liveDot.setAttribute('aria-label', text);
  }

  async ack(n, btn) {
    btn.disabled = true;
    try {
      const r = await api(`/v1/notices/${n.id}/ack`, { method: 'POST', body: {} });
      n.acked_at = r.acked_at || new Date().toISOString();
      n.ack_index = r.receipt ? r.receipt.index : n.ack_index;
      status(t('inbox.acked', { id: n.id, index: n.ack_index ?? '–' }));
      // An acknowledgement may clear a movement: the layer reads it again.
      if (this.onNotice && n.about && n.about.type === 'movement') this.onNotice(n);
    } catch (e) {
      status(t('inbox.ackFailed', { id: n.id, message: e.message }), { error: true });
      btn.disabled = false;
    }
    this.render();
    this.el.querySelector(`li[data-notice="${n.id}"]`)?.focus();
  }

  item(n) {
    const d = describe(n);
    const late = !n.acked_at && Date.parse(n.deadline) < Date.now();
    const mean = h('p', { class: 'hint meaning', id: `ack-mean-${n.id}` }, t(`ack.${n.kind}`, { party: this.me.name }));
    const rows = [
      [t('notice.object'), `${label('objectType', d.kind)} ${d.id ?? ''}${d.name ? ` — ${d.name}` : ''}${d.restricted ? ` (${t('conflict.restricted')})` : ''}`],
      d.owner ? [t('notice.owner'), d.owner] : null,
      d.from ? [t('notice.window'), `${fmtTime(d.from)} – ${d.to ? fmtTime(d.to) : t('common.open')}`] : null,
      d.where ? [t('notice.where'), d.where] : null,
      d.mine ? [t('notice.yours'), `${label('objectType', d.mine.type)} ${d.mine.id}${d.mine.band ? `, ${label('band', d.mine.band)}` : ''}`] : null,
      d.change ? [t('notice.change'), d.change] : null,
      d.text ? [t('notice.text'), d.text] : null,
      [t('notice.deadline'), `${fmtTime(n.deadline)} (${relative(n.deadline)})${late ? ` — ${t('notice.overdue')}` : ''}`],
    ].filter(Boolean);
    const canShow = d.geometry || d.details;
    return h('li', { 'data-notice': String(n.id), 'data-kind': n.kind, class: n.acked_at ? 'acked' : late ? 'late' : '', tabindex: '-1' },
      h('h3', {}, t(`noticeKind.${n.kind}`), ` #${n.id}`),
      h('dl', {}, rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
      h('div', { class: 'row' },
        canShow ? h('button', { type: 'button', class: 'show-on-map', onclick: () => this.onShow(n, d) }, t('action.showOnMap')) : null,
        n.acked_at ? null : h('button', { type: 'button', class: 'ack', 'aria-describedby': mean.id, onclick: (e) => this.ack(n, e.currentTarget) },
          t('inbox.ack'))),
      n.acked_at ? h('p', { class: 'ok' }, t('inbox.ackedAt', { at: fmtTime(n.acked_at), index: n.ack_index ?? '–' })) : mean);
  }

  render() {
    // Traffic alerts have no deadline and their own list (traffic.js).
    const all = [...this.notices.values()].filter((n) => n.kind !== 'traffic');
    const open = all.filter((n) => !n.acked_at).length;
    this.badge.textContent = open ? String(open) : '';
    this.badge.setAttribute('aria-label', t('inbox.badge', { n: open }));
    const list = all.filter((n) => !this.openOnly || !n.acked_at).sort((a, b) => b.id - a.id);
    const only = h('input', { type: 'checkbox', id: 'inbox-open-only', checked: this.openOnly, onchange: (e) => { this.openOnly = e.target.checked; this.render(); document.getElementById('inbox-open-only').focus(); } });
    put(this.el, h('h2', {}, t('inbox.title')),
      h('p', { class: 'hint' }, t('inbox.intro')),
      h('div', { class: 'check' }, only, h('label', { for: only.id }, t('inbox.openOnly'))),
      list.length ? h('ul', { class: 'notices' }, list.map((n) => this.item(n))) : h('p', {}, t('inbox.none')));
  }
}
