// territory.js — the Territory tab: ground controlled by each party or actor at the map's
// time (GET /v1/territory?at=T: controlled and claimed km², contested ground), and the change
// between two dates (?from=&to=: gained, lost, changed hands). Figures as the API answers them.
import { api } from './api.js';
import { partyColour } from './map.js';
import { t, num, time as fmtTime, onChange } from './i18n.js';
import { h, field, iso, formMessages, formError, put } from './ui.js';

const km2 = (v) => num(v, { maximumFractionDigits: 0 });
const signed = (v) => (v > 0 ? `+${km2(v)}` : km2(v));
const dateInput = (ms) => new Date(ms).toISOString().slice(0, 10);

function partyCell(name) {
  return h('th', { scope: 'row' }, h('span', { class: 'sw', style: `background:${partyColour(name)}`, 'aria-hidden': 'true' }), ' ', name);
}

function tableOf(id, head, parties, cells) {
  const names = Object.keys(parties).sort();
  return h('table', { id }, h('thead', {}, h('tr', {}, head.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, names.map((n) => h('tr', { 'data-party': n, 'data-km2': JSON.stringify(parties[n]) }, partyCell(n), cells(parties[n]).map((x) => h('td', {}, x))))));
}

export class Territory {
  constructor(el) {
    this.el = el;
    this.at = null;
    this.now = h('div', { id: 'territory-at', 'aria-live': 'polite' });
    const m = formMessages();
    this.change = h('div', { id: 'territory-change', 'aria-live': 'polite' });
    const from = h('input', { name: 'from', type: 'date', required: true });
    const to = h('input', { name: 'to', type: 'date', required: true });
    this.from = from;
    this.to = to;
    const form = h('form', { id: 'territory-form', novalidate: true },
      h('h3', {}, t('territory.compare')),
      h('div', { class: 'row' }, field(t('territory.from'), from), field(t('territory.to'), to)),
      h('button', { type: 'submit' }, t('territory.compareSubmit')), m.el);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      m.error.textContent = '';
      if (!from.value) return formError(form, m.error, { field: 'from', message: t('form.timeNeeded') });
      if (!to.value) return formError(form, m.error, { field: 'to', message: t('form.timeNeeded') });
      try { await this.compare(`${from.value}T00:00:00Z`, `${to.value}T00:00:00Z`); } catch (err) { formError(form, m.error, err); }
    });
    put(el, h('h2', {}, t('territory.title')), this.now, form, this.change);
    onChange(() => { if (this.last) this.renderNow(); if (this.lastChange) this.renderChange(); });
  }

  // The figures at ms (the map's time); the comparison dates default to a month before it.
  async show(ms) {
    this.at = ms;
    if (!this.from.value) { this.from.value = dateInput(ms - 30 * 86400e3); this.to.value = dateInput(ms); }
    const r = await api(`/v1/territory?at=${encodeURIComponent(iso(ms))}`);
    if (this.at !== ms) return;
    this.last = r;
    this.renderNow();
  }

  renderNow() {
    const r = this.last;
    put(this.now, h('h3', {}, t('territory.at', { at: fmtTime(r.at) })),
      tableOf('territory-table', ['', t('territory.controlled'), t('territory.claimed')], r.parties, (p) => [km2(p.controlled_km2), km2(p.claimed_km2)]),
      h('p', {}, t('territory.contested', { contested: km2(r.contested_km2), claimed: km2(r.claimed_km2) })));
  }

  async compare(fromIso, toIso) {
    this.lastChange = await api(`/v1/territory?from=${encodeURIComponent(fromIso)}&to=${encodeURIComponent(toIso)}`);
    this.renderChange();
  }

  renderChange() {
    const r = this.lastChange;
    put(this.change, h('h4', {}, t('territory.between', { from: fmtTime(r.from), to: fmtTime(r.to) })),
      tableOf('territory-change-table', ['', t('territory.fromKm2'), t('territory.toKm2'), t('territory.change'), t('territory.gained'), t('territory.lost')], r.parties,
        (p) => [km2(p.from_km2), km2(p.to_km2), signed(p.change_km2), km2(p.gained_km2), km2(p.lost_km2)]),
      h('p', {}, t('territory.changedHands', { changed: km2(r.changed_hands_km2), from: km2(r.contested_from_km2), to: km2(r.contested_to_km2) })));
  }
}
