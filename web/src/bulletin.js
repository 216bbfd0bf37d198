// bulletin.js — the daily bulletin (GET /v1/bulletins/{date}?format=json): the day's figures,
// tables by region, party and type, and SVG charts: violations per day by party over the
// week ending at the date, and the day's violations by region.
import { api } from './api.js';
import { partyColour } from './map.js';
import { regionName } from './basemap.js';
import { t, label, num, date as fmtDate, time as fmtTime } from './i18n.js';
import { h, put } from './ui.js';

const SVG = 'http://www.w3.org/2000/svg';
// An SVG element (also the measures' charts).
export function s(tag, attrs = {}, ...kids) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of kids) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const range = (r) => (r ? (r.min === r.max ? num(r.min) : `${num(r.min)}–${num(r.max)}`) : '–');
const signed = (n) => (n > 0 ? `+${num(n)}` : num(n));

function breakdown(title, rows, name = (k) => k) {
  return h('section', { class: 'card' }, h('h3', {}, title), rows.length === 0 ? h('p', {}, t('common.none')) :
    h('table', {}, h('thead', {}, h('tr', {}, ['', t('bulletin.violations'), t('bulletin.previous'), t('bulletin.change'), t('bulletin.fatalities'), t('bulletin.injured')]
      .map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, h('th', { scope: 'row' }, name(r.key)), h('td', {}, num(r.violations)), h('td', {}, num(r.previous)),
      h('td', {}, signed(r.change)), h('td', {}, range(r.fatalities)), h('td', {}, range(r.injured)))))));
}

// Stacked bars: one per day, a segment per party.
function perDayChart(days) {
  const parties = [...new Set(days.flatMap((d) => d.by_party.map((p) => p.key)))].sort();
  const max = Math.max(1, ...days.map((d) => d.by_party.reduce((a, p) => a + p.violations, 0)));
  const W = 560, H = 220, pad = 30, bw = (W - pad * 2) / days.length;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H + 40}`, role: 'img', 'aria-labelledby': 'chart-days-t', class: 'chart', id: 'chart-days', direction: 'ltr' },
    s('title', { id: 'chart-days-t' }, t('bulletin.perDayTitle', { from: fmtDate(days[0].date), to: fmtDate(days[days.length - 1].date) })));
  days.forEach((d, i) => {
    let y = H;
    for (const p of d.by_party) {
      const hh = (p.violations / max) * (H - pad);
      y -= hh;
      svg.append(s('rect', { x: pad + i * bw + 4, y, width: bw - 8, height: hh, fill: partyColour(p.key) }, s('title', {}, `${fmtDate(d.date)} ${p.key}: ${num(p.violations)}`)));
    }
    const total = d.by_party.reduce((a, p) => a + p.violations, 0);
    svg.append(s('text', { x: pad + i * bw + bw / 2, y: y - 4, 'text-anchor': 'middle', class: 'v' }, num(total)));
    svg.append(s('text', { x: pad + i * bw + bw / 2, y: H + 16, 'text-anchor': 'middle' }, fmtDate(d.date).replace(/,? \d{4}.*$/, '')));
  });
  svg.append(s('line', { x1: pad, x2: W - pad, y1: H, y2: H, stroke: '#333' }));
  const legend = h('ul', { class: 'chart-legend' }, parties.map((p) => h('li', {}, h('span', { class: 'sw', style: `background:${partyColour(p)}`, 'aria-hidden': 'true' }), p)));
  return h('section', { class: 'card wide' }, h('h3', {}, t('bulletin.perDay')), svg, legend);
}

function regionChart(rows) {
  const max = Math.max(1, ...rows.map((r) => r.violations));
  const W = 560, row = 22, H = Math.max(1, rows.length) * row + 10;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'chart-regions-t', class: 'chart', id: 'chart-regions', direction: 'ltr' },
    s('title', { id: 'chart-regions-t' }, t('bulletin.byRegionChart')));
  rows.forEach((r, i) => {
    const w = (r.violations / max) * (W - 200);
    svg.append(s('text', { x: 150, y: i * row + 16, 'text-anchor': 'end' }, region(r.key)));
    svg.append(s('rect', { x: 158, y: i * row + 4, width: Math.max(1, w), height: row - 8, fill: '#d73027' }));
    svg.append(s('text', { x: 162 + w, y: i * row + 16, class: 'v' }, num(r.violations)));
  });
  return h('section', { class: 'card wide' }, h('h3', {}, t('bulletin.byRegionChart')), svg);
}

const region = (k) => (k === '(none)' ? t('bulletin.noRegion') : regionName(k));
const shift = (date, n) => new Date(Date.parse(`${date}T00:00:00Z`) + n * 86400e3).toISOString().slice(0, 10);
const ids = (list) => (list || []).map((x) => (x && typeof x === 'object' ? x.id : x)).filter((x) => x !== null && x !== undefined);

export async function showBulletin(el, date) {
  const input = h('input', { type: 'date', id: 'bulletin-date', value: date, required: true });
  const form = h('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); if (input.value) showBulletin(el, input.value); } },
    h('label', { for: 'bulletin-date' }, t('bulletin.day')), input, h('button', { type: 'submit' }, t('bulletin.show')),
    h('button', { type: 'button', id: 'bulletin-prev', onclick: () => showBulletin(el, shift(date, -1)) }, t('bulletin.prevDay')),
    h('button', { type: 'button', id: 'bulletin-next', onclick: () => showBulletin(el, shift(date, 1)) }, t('bulletin.nextDay')));
  const body = h('div', { class: 'bulletin', 'aria-live': 'polite' }, h('p', {}, t('common.loadingShort')));
  put(el, h('h2', { id: 'bulletin-h' }, t('bulletin.title', { date: fmtDate(date) })), form, body);
  el.dataset.date = date;
  const week = await Promise.all([...Array(7).keys()].map((i) => api(`/v1/bulletins/${shift(date, i - 6)}?format=json`).catch(() => null)));
  if (el.dataset.date !== date) return;
  const b = week[6];
  if (!b) { put(body, h('p', { class: 'error' }, t('bulletin.none', { date: fmtDate(date) }))); return; }
  const days = week.filter(Boolean);
  const v = b.violations;
  const newIds = ids(b.new_incidents), changed = ids(b.changed_incidents);
  put(body, 
    h('p', {}, t('bulletin.window', { from: fmtTime(b.window.start), to: fmtTime(b.window.end), offset: b.window.utc_offset })),
    h('div', { class: 'figures' },
      h('div', { class: 'fig', id: 'fig-violations', 'data-n': String(v.today) }, h('span', { class: 'big' }, num(v.today)), t('bulletin.violationsN', { n: v.today }),
        h('small', {}, t('bulletin.previousDay', { n: num(v.previous), change: signed(v.change) }))),
      h('div', { class: 'fig' }, h('span', { class: 'big' }, range(b.casualties.fatalities)), t('bulletin.fatalities')),
      h('div', { class: 'fig' }, h('span', { class: 'big' }, range(b.casualties.injured)), t('bulletin.injured')),
      ...Object.entries(b.incidents_by_class).map(([k, n]) => h('div', { class: 'fig' }, h('span', { class: 'big' }, num(n)), label('class', k)))),
    perDayChart(days), regionChart(b.by_region),
    h('div', { class: 'cards' }, breakdown(t('bulletin.byRegion'), b.by_region, region), breakdown(t('bulletin.byParty'), b.by_party),
      breakdown(t('bulletin.byType'), b.by_type, (k) => label('eventType', k)),
      h('section', { class: 'card' }, h('h3', {}, t('bulletin.grades')), h('table', {}, h('tbody', {},
        Object.entries(b.grades).map(([g, n]) => h('tr', {}, h('th', { scope: 'row' }, label('grade', g)), h('td', {}, num(n))))))),
      h('section', { class: 'card' }, h('h3', {}, t('bulletin.newIncidents')), h('p', {}, newIds.length ? newIds.map((x) => `#${x}`).join(', ') : t('common.none'))),
      h('section', { class: 'card' }, h('h3', {}, t('bulletin.changedIncidents')), h('p', {}, changed.length ? changed.map((x) => `#${x}`).join(', ') : t('common.none')))));
}
