// inbox.js — the party's notices, newest first, each with an acknowledge button; live over
// Server-Sent Events (GET /v1/notices/stream read with fetch, since EventSource cannot send
// the token), falling back to polling GET /v1/notices?after= while the stream is unavailable.
import { api, has, token } from './api.js';
import { h, status } from './ui.js';

export class Inbox {
  constructor(el, badge, liveDot, onNotice) {
    this.el = el;
    this.badge = badge;
    this.liveDot = liveDot;
    this.onNotice = onNotice;
    this.notices = new Map();
    this.after = '0';
    this.stopped = false;
    this.mode = 'none';
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
    this.liveDot.title = m === 'live' ? 'live updates (stream)' : 'updates by polling every 3 s';
  }

  async ack(n, btn) {
    btn.disabled = true;
    try {
      const r = await api(`/v1/notices/${n.id}/ack`, { method: 'POST', body: {} });
      n.acked_at = r.acked_at || new Date().toISOString();
      n.ack_index = r.receipt ? r.receipt.index : n.ack_index;
      status(`Notice ${n.id} acknowledged`);
      // An acknowledgement may clear a movement: the layer reads it again.
      if (this.onNotice && n.about && n.about.type === 'movement') this.onNotice(n);
    } catch (e) {
      status(`Notice ${n.id}: ${e.message}`, { error: true });
      btn.disabled = false;
    }
    this.render();
  }

  render() {
    // Traffic alerts have no deadline and their own list (traffic.js).
    const shown = [...this.notices.values()].filter((n) => n.kind !== 'traffic');
    const open = shown.filter((n) => !n.acked_at).length;
    this.badge.textContent = open ? String(open) : '';
    this.badge.setAttribute('aria-label', `${open} unacknowledged`);
    const items = shown.sort((a, b) => b.id - a.id).map((n) => {
      const late = !n.acked_at && Date.parse(n.deadline) < Date.now();
      const p = n.payload || {};
      const what = p.conflicting ? `${p.conflicting.type} ${p.conflicting.id} by ${p.conflicting.owner}` :
        p.operation ? `operation ${p.operation.id} by ${p.operation.owner}` : `${n.about.type} ${n.about.id}`;
      const mine = p.conflict_with ? ` conflicts with your ${p.conflict_with.type} ${p.conflict_with.id} (${p.conflict_with.distance_band || ''})` : '';
      return h('li', { 'data-notice': String(n.id), class: n.acked_at ? 'acked' : late ? 'late' : '' },
        h('div', {}, h('strong', {}, `#${n.id} ${n.kind}`), `: ${what}${mine}`),
        h('small', {}, `created ${n.created_at}, acknowledge by ${n.deadline}${late ? ' — overdue' : ''}`),
        n.acked_at ? h('div', { class: 'ok' }, `acknowledged ${n.acked_at}`) :
          h('button', { type: 'button', onclick: (e) => this.ack(n, e.currentTarget), 'aria-label': `Acknowledge notice ${n.id}` }, 'Acknowledge'));
    });
    this.el.replaceChildren(h('h2', {}, 'Notices'),
      items.length ? h('ul', { class: 'notices' }, items) : h('p', {}, 'No notices for your party.'));
  }
}
