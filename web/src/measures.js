// measures.js — the Measures tab (issue 20): the parties' accusations answered with figures,
// as series over time. A chart of the commingled ground of an agreement's parties with its
// excluded actors per day (GET /v1/agreements/{id}/separation?from=&to=), and a chart of
// the aid delivered per day, aborted and hit apart (GET /v1/aid?from=&to=). Each chart
// carries the API's figures it draws (data-series), so the browser test compares them.
import { api } from './api.js';
import { s } from './bulletin.js';
import { partyColour } from './map.js';
import { t, num, date as fmtDate, onChange } from './i18n.js';
import { h, field, formMessages, formError, put } from './ui.js';


const dayInput = (ms) => new Date(ms).toISOString().slice(0, 10);
const AID_COLOURS = { delivered_tonnes: '#1a9850', aborted_tonnes: '#fdae61', hit_tonnes: '#d73027' };

// Lines over days: series is {name: [value per day]}; dates the days.
function lineChart(id, title, dates, series, colour, unit) {
  const W = 560, H = 220, pad = 40;
  const max = Math.max(1e-9, ...Object.values(series).flat());
  const x = (i) => pad + (dates.length > 1 ? (i * (W - 2 * pad)) / (dates.length - 1) : 0);
  const y = (v) => H - ((v / max) * (H - pad));
  const svg = s('svg', { viewBox: `0 0 ${W} ${H + 30}`, role: 'img', 'aria-labelledby': `${id}-t`, class: 'chart', id, direction: 'ltr',
    'data-series': JSON.stringify(series), 'data-dates': JSON.stringify(dates) }, s('title', { id: `${id}-t` }, title));
  for (const [name, values] of Object.entries(series)) {
    svg.append(s('polyline', { points: values.map((v, i) => `${x(i)},${y(v)}`).join(' '), fill: 'none', stroke: colour(name), 'stroke-width': 2, 'data-name': name },
      s('title', {}, `${name}: ${values.map((v) => num(v)).join(', ')} ${unit}`)));
  }
  svg.append(s('line', { x1: pad, x2: W - pad, y1: H, y2: H, stroke: '#333' }));
  svg.append(s('text', { x: pad, y: H + 16 }, fmtDate(dates[0] || '')));
  svg.append(s('text', { x: W - pad, y: H + 16, 'text-anchor': 'end' }, fmtDate(dates[dates.length - 1] || '')));
  svg.append(s('text', { x: 2, y: pad - 8, class: 'v' }, `${num(max, { maximumFractionDigits: 1 })} ${unit}`));
  const legend = h('ul', { class: 'chart-legend' }, Object.keys(series).map((n) => h('li', {}, h('span', { class: 'sw', style: `background:${colour(n)}`, 'aria-hidden': 'true' }), n)));
  return h('section', { class: 'card wide' }, h('h3', {}, title), svg, legend);
}

export class Measures {
  constructor(el) {
    this.el = el;
    this.agreement = h('select', { name: 'agreement', required: true });
    this.from = h('input', { name: 'from', type: 'date', required: true });
    this.to = h('input', { name: 'to', type: 'date', required: true });
    this.out = h('div', { id: 'measures-charts', 'aria-live': 'polite' });
    const m = formMessages();
    const form = h('form', { id: 'measures-form', novalidate: true },
      field(t('measures.agreement'), this.agreement),
      h('div', { class: 'row' }, field(t('measures.from'), this.from), field(t('measures.to'), this.to)),
      h('button', { type: 'submit' }, t('measures.show')), m.el);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      m.error.textContent = '';
      if (!this.from.value) return formError(form, m.error, { field: 'from', message: t('form.timeNeeded') });
      if (!this.to.value) return formError(form, m.error, { field: 'to', message: t('form.timeNeeded') });
      try { await this.load(); } catch (err) { formError(form, m.error, err); }
    });
    put(el, h('h2', {}, t('measures.title')), h('p', {}, t('measures.intro')), form, this.out);
    onChange(() => { if (this.last) this.render(); });
  }

  // Fills the agreements (those with excluded actors) and the period around the map's time, then draws.
  async show(ms) {
    if (!this.agreement.options.length) {
      const list = (await api('/v1/agreements?limit=1000')).items.filter((a) => (a.excluded_actors || []).length);
      for (const a of list) this.agreement.append(h('option', { value: String(a.id) }, a.name));
    }
    if (!this.from.value) { this.from.value = dayInput(ms - 30 * 86400e3); this.to.value = dayInput(ms); }
    if (this.agreement.value) await this.load();
  }

  async load() {
    const from = `${this.from.value}T00:00:00Z`, to = `${this.to.value}T00:00:00Z`;
    const q = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    const [sep, aid] = await Promise.all([api(`/v1/agreements/${this.agreement.value}/separation?${q}`), api(`/v1/aid?${q}`)]);
    this.last = { sep, aid };
    this.render();
  }

  render() {
    const { sep, aid } = this.last;
    const parties = [...new Set(sep.days.flatMap((d) => Object.keys(d.parties)))].sort();
    const sepSeries = Object.fromEntries(parties.map((p) => [p, sep.days.map((d) => d.parties[p] || 0)]));
    const aidSeries = Object.fromEntries(Object.keys(AID_COLOURS).map((k) => [t(`measures.${k}`), aid.series.map((d) => d[k])]));
    const aidColour = Object.fromEntries(Object.entries(AID_COLOURS).map(([k, c]) => [t(`measures.${k}`), c]));
    put(this.out,
      lineChart('chart-separation', t('measures.separationTitle', { name: sep.agreement.name }), sep.days.map((d) => d.date), sepSeries, partyColour, 'km²'),
      h('p', { id: 'separation-trend', 'data-change': String(sep.change_km2) }, t('measures.trend', { change: num(sep.change_km2, { maximumFractionDigits: 3 }), trend: num(sep.trend_km2_per_day, { maximumFractionDigits: 3 }) })),
      lineChart('chart-aid', t('measures.aidTitle'), aid.series.map((d) => d.date), aidSeries, (n) => aidColour[n], 't'),
      h('p', { id: 'aid-people', 'data-low': String(aid.people_crossed.low), 'data-high': String(aid.people_crossed.high) },
        t('measures.people', { low: num(aid.people_crossed.low), high: num(aid.people_crossed.high) })));
  }
}
