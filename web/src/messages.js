// messages.js — the Messages tab: formal messages between parties through the centre
// (GET /v1/messages: what the party sent, mediates or received, with the chain and state),
// a form to send one (directly or via a mediating party, as a reply to another) and, for a
// mediator, the button that forwards a message waiting for it (docs/humanitarian.md).
import { api, may } from './api.js';
import { t, label, time as fmtTime } from './i18n.js';
import { h, field, select, formMessages, formError, formDone, put } from './ui.js';

const KINDS = ['proposal', 'request', 'reply', 'statement'];

export class Messages {
  constructor(el, me, parties) {
    this.el = el;
    this.me = me;
    this.parties = parties.filter((p) => p !== me.name);
    this.items = [];
    this.list = h('div', { id: 'message-list' });
    const parts = [h('h2', {}, t('messages.title')), h('p', { class: 'hint' }, t('messages.intro')), this.list];
    if (may('POST', '/v1/messages')) parts.push(this.form());
    put(el, ...parts);
  }

  async load() {
    const all = [];
    let after = '0';
    for (let i = 0; i < 100; i++) {
      const page = await api(`/v1/messages?after=${after}&limit=1000`);
      all.push(...page.items);
      after = page.next_cursor;
      if (!page.more) break;
    }
    this.items = all.sort((a, b) => b.id - a.id);
    this.render();
  }

  render() {
    if (!this.items.length) { put(this.list, h('p', { class: 'hint' }, t('messages.none'))); return; }
    put(this.list, h('ul', { class: 'messages' }, this.items.map((m) => {
      const forward = m.state === 'awaiting_forward' && m.via === this.me.name && may('POST', '/v1/messages/{id}/forward');
      return h('li', { 'data-message': String(m.id), 'data-state': m.state, class: 'card' },
        h('h3', {}, t('messages.head', { id: m.id, kind: label('messageKind', m.kind) }), m.subject ? `: ${m.subject}` : ''),
        h('p', { class: 'hint' }, t('messages.route', { from: m.from, to: m.to, at: fmtTime(m.created_at) }),
          m.via ? ` · ${t('messages.via', { via: m.via })}` : '', m.reply_to ? ` · ${t('messages.replyTo', { id: m.reply_to })}` : ''),
        h('p', { class: 'msg-text' }, m.text),
        h('p', {}, h('strong', {}, label('messageState', m.state))),
        forward ? this.forwardForm(m) : null,
        m.to === this.me.name || m.from === this.me.name ? h('button', { type: 'button', class: 'reply', onclick: () => this.replyTo(m) }, t('messages.reply')) : null);
    })));
  }

  replyTo(m) {
    const f = this.formEl;
    if (!f) return;
    f.elements.to.value = m.from === this.me.name ? m.to : m.from;
    f.elements.kind.value = 'reply';
    f.elements.reply_to.value = String(m.id);
    f.elements.subject.value = m.subject ? `Re: ${m.subject}` : '';
    f.elements.text.focus();
  }

  forwardForm(m) {
    const out = formMessages();
    const form = h('form', { class: 'forward', id: `forward-${m.id}` }, field(t('messages.note'), h('input', { name: 'note', type: 'text', maxlength: '2000' })),
      h('button', { type: 'submit' }, t('messages.forward')), out.el);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        const r = await api(`/v1/messages/${m.id}/forward`, { method: 'POST', body: form.elements.note.value.trim() ? { note: form.elements.note.value.trim() } : {} });
        await this.load();
        const li = this.list.querySelector(`li[data-message="${m.id}"]`);
        if (li) { li.tabIndex = -1; li.focus(); }
        formDone(out.error, out.result, t('messages.forwarded', { index: r.receipt ? r.receipt.index : '–' }));
      } catch (err) { formError(form, out.error, err); }
    });
    return form;
  }

  form() {
    const m = formMessages();
    const parties = this.parties.map((p) => [p, p]);
    const form = h('form', { id: 'message-form', class: 'card-form', novalidate: true }, h('h3', {}, t('messages.new')),
      field(t('messages.to'), select('to', [['', '–'], ...parties])),
      field(t('messages.viaField'), select('via', [['', t('messages.direct')], ...parties]), t('messages.viaHint')),
      field(t('col.kind'), select('kind', KINDS.map((k) => [k, label('messageKind', k)]))),
      field(t('messages.subject'), h('input', { name: 'subject', type: 'text', maxlength: '200' })),
      field(t('messages.text'), h('textarea', { name: 'text', rows: '4', maxlength: '20000', required: true })),
      field(t('messages.replyToField'), h('input', { name: 'reply_to', type: 'number', min: '1', step: '1' })),
      h('button', { type: 'submit' }, t('messages.send')), m.el);
    this.formEl = form;
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const f = form.elements;
      const err = (field, key) => formError(form, m.error, { field, message: t(key) });
      if (!f.to.value) return err('to', 'messages.toNeeded');
      if (f.via.value && f.via.value === f.to.value) return err('via', 'messages.viaSame');
      if (!f.text.value.trim()) return err('text', 'messages.textNeeded');
      const body = { to: f.to.value, kind: f.kind.value, text: f.text.value.trim() };
      if (f.via.value) body.via = f.via.value;
      if (f.subject.value.trim()) body.subject = f.subject.value.trim();
      if (f.reply_to.value) body.reply_to = Number(f.reply_to.value);
      try {
        const r = await api('/v1/messages', { method: 'POST', body });
        formDone(m.error, m.result, h('p', { class: 'ok', id: 'message-result' }, t('messages.sent', { id: r.id, state: label('messageState', r.state), index: r.receipt ? r.receipt.index : '–' })));
        f.text.value = ''; f.subject.value = ''; f.reply_to.value = '';
        await this.load();
      } catch (e2) { formError(form, m.error, e2); }
    });
    return form;
  }
}
