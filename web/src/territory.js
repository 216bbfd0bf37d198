// territory.js — the Territory tab: ground controlled by each party or actor at the slider's
// time (GET /v1/territory?at=T: controlled and claimed km², contested ground), and the change
// between two dates (?from=&to=: gained, lost, changed hands). Figures as the API answers them.
import { api } from './api.js';
import { partyColour } from './map.js';
import { h, field, iso, formError } from './ui.js';

const km2 = (v) => (v === null || v === undefined ? '–' : Number(v).toLocaleString('en', { maximumFractionDigits: 0 }));
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
    const out = h('p', { class: 'error', role: 'alert' });
    this.change = h('div', { id: 'territory-change', 'aria-live': 'polite' });
    const from = h('input', { name: 'from', type: 'date', required: true });
    const to = h('input', { name: 'to', type: 'date', required: true });
    this.from = from;
    this.to = to;
    const form = h('form', { id: 'territory-form', novalidate: true },
      h('h3', {}, 'Change between two dates'),
      h('div', { class: 'row' }, field('From (00:00 UTC)', from), field('To (00:00 UTC)', to)),
      h('button', { type: 'submit' }, 'Compare'), out);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      out.textContent = '';
      try { await this.compare(`${from.value}T00:00:00Z`, `${to.value}T00:00:00Z`); } catch (err) { formError(form, out, err); }
    });
    el.replaceChildren(h('h2', {}, 'Territory'), this.now, form, this.change);
  }

  // The figures at ms (the slider's time); the comparison dates default to a month before it.
  async show(ms) {
    this.at = ms;
    if (!this.from.value) { this.from.value = dateInput(ms - 30 * 86400e3); this.to.value = dateInput(ms); }
    const r = await api(`/v1/territory?at=${encodeURIComponent(iso(ms))}`);
    if (this.at !== ms) return;
    this.last = r;
    this.now.replaceChildren(h('h3', {}, `Control at ${r.at}`),
      tableOf('territory-table', ['', 'controlled km²', 'claimed km²'], r.parties, (p) => [km2(p.controlled_km2), km2(p.claimed_km2)]),
      h('p', {}, `Contested: ${km2(r.contested_km2)} km²; claimed by anyone: ${km2(r.claimed_km2)} km².`));
  }

  async compare(fromIso, toIso) {
    const r = await api(`/v1/territory?from=${encodeURIComponent(fromIso)}&to=${encodeURIComponent(toIso)}`);
    this.lastChange = r;
    this.change.replaceChildren(h('h4', {}, `From ${r.from} to ${r.to}`),
      tableOf('territory-change-table', ['', 'from km²', 'to km²', 'change', 'gained', 'lost'], r.parties,
        (p) => [km2(p.from_km2), km2(p.to_km2), signed(p.change_km2), km2(p.gained_km2), km2(p.lost_km2)]),
      h('p', {}, `Changed hands: ${km2(r.changed_hands_km2)} km²; contested ${km2(r.contested_from_km2)} → ${km2(r.contested_to_km2)} km².`));
  }
}
