// bulletin.js — the daily bulletin (GET /v1/bulletins/{date}?format=json): the day's figures,
// tables by region, party and type, and SVG charts: violations per day by party over the
// week ending at the date, and the day's violations by region.
import { api } from './api.js';
import { partyColour } from './map.js';
import { h, fmt } from './ui.js';

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs = {}, ...kids) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of kids) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const range = (r) => (r ? (r.min === r.max ? fmt(r.min) : `${fmt(r.min)}–${fmt(r.max)}`) : '–');

function breakdown(title, rows) {
  return h('section', { class: 'card' }, h('h3', {}, title), rows.length === 0 ? h('p', {}, 'None.') :
    h('table', {}, h('thead', {}, h('tr', {}, ['', 'violations', 'previous day', 'change', 'fatalities', 'injured'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, h('th', { scope: 'row' }, r.key), h('td', {}, fmt(r.violations)), h('td', {}, fmt(r.previous)),
        h('td', {}, r.change > 0 ? `+${r.change}` : String(r.change)), h('td', {}, range(r.fatalities)), h('td', {}, range(r.injured)))))));
}

// Stacked bars: one per day, a segment per party.
function perDayChart(days) {
  const parties = [...new Set(days.flatMap((d) => d.by_party.map((p) => p.key)))].sort();
  const max = Math.max(1, ...days.map((d) => d.by_party.reduce((a, p) => a + p.violations, 0)));
  const W = 560, H = 220, pad = 30, bw = (W - pad * 2) / days.length;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H + 40}`, role: 'img', 'aria-labelledby': 'chart-days-t', class: 'chart', id: 'chart-days' },
    s('title', { id: 'chart-days-t' }, `Violations per day by party, ${days[0].date} to ${days[days.length - 1].date}`));
  days.forEach((d, i) => {
    let y = H;
    for (const p of d.by_party) {
      const hh = (p.violations / max) * (H - pad);
      y -= hh;
      svg.append(s('rect', { x: pad + i * bw + 4, y, width: bw - 8, height: hh, fill: partyColour(p.key) }, s('title', {}, `${d.date} ${p.key}: ${p.violations}`)));
    }
    const total = d.by_party.reduce((a, p) => a + p.violations, 0);
    svg.append(s('text', { x: pad + i * bw + bw / 2, y: y - 4, 'text-anchor': 'middle', class: 'v' }, total));
    svg.append(s('text', { x: pad + i * bw + bw / 2, y: H + 16, 'text-anchor': 'middle' }, d.date.slice(5)));
  });
  svg.append(s('line', { x1: pad, x2: W - pad, y1: H, y2: H, stroke: '#333' }));
  const legend = h('ul', { class: 'chart-legend' }, parties.map((p) => h('li', {}, h('span', { class: 'sw', style: `background:${partyColour(p)}` }), p)));
  return h('section', { class: 'card wide' }, h('h3', {}, 'Violations per day by party'), svg, legend);
}

function regionChart(rows) {
  const max = Math.max(1, ...rows.map((r) => r.violations));
  const W = 560, row = 22, H = Math.max(1, rows.length) * row + 10;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'chart-regions-t', class: 'chart', id: 'chart-regions' },
    s('title', { id: 'chart-regions-t' }, 'Violations by region'));
  rows.forEach((r, i) => {
    const w = (r.violations / max) * (W - 200);
    svg.append(s('text', { x: 150, y: i * row + 16, 'text-anchor': 'end' }, r.key));
    svg.append(s('rect', { x: 158, y: i * row + 4, width: Math.max(1, w), height: row - 8, fill: '#d73027' }));
    svg.append(s('text', { x: 162 + w, y: i * row + 16, class: 'v' }, r.violations));
  });
  return h('section', { class: 'card wide' }, h('h3', {}, 'Violations by region'), svg);
}

const shift = (date, n) => new Date(Date.parse(`${date}T00:00:00Z`) + n * 86400e3).toISOString().slice(0, 10);

export async function showBulletin(el, date) {
  const input = h('input', { type: 'date', id: 'bulletin-date', value: date, required: true });
  const form = h('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); if (input.value) showBulletin(el, input.value); } },
    h('label', { for: 'bulletin-date' }, 'Day'), input, h('button', { type: 'submit' }, 'Show'),
    h('button', { type: 'button', onclick: () => showBulletin(el, shift(date, -1)) }, '◀ previous day'),
    h('button', { type: 'button', onclick: () => showBulletin(el, shift(date, 1)) }, 'next day ▶'));
  const body = h('div', { class: 'bulletin', 'aria-live': 'polite' }, h('p', {}, 'Loading…'));
  el.replaceChildren(h('h2', { id: 'bulletin-h' }, `Daily bulletin ${date}`), form, body);
  const week = await Promise.all([...Array(7).keys()].map((i) => api(`/v1/bulletins/${shift(date, i - 6)}?format=json`).catch(() => null)));
  const b = week[6];
  if (!b) { body.replaceChildren(h('p', { class: 'error' }, `No bulletin for ${date} (the day has not begun, or the date is invalid).`)); return; }
  const days = week.filter(Boolean);
  const v = b.violations;
  body.replaceChildren(
    h('p', {}, `Window ${b.window.start} to ${b.window.end} (UTC${b.window.utc_offset}).`),
    h('div', { class: 'figures' },
      h('div', { class: 'fig', id: 'fig-violations' }, h('span', { class: 'big' }, fmt(v.today)), 'violations',
        h('small', {}, `previous day ${fmt(v.previous)} (${v.change >= 0 ? '+' : ''}${v.change})`)),
      h('div', { class: 'fig' }, h('span', { class: 'big' }, range(b.casualties.fatalities)), 'fatalities'),
      h('div', { class: 'fig' }, h('span', { class: 'big' }, range(b.casualties.injured)), 'injured'),
      ...Object.entries(b.incidents_by_class).map(([k, n]) => h('div', { class: 'fig' }, h('span', { class: 'big' }, fmt(n)), k.replace('_', ' ')))),
    perDayChart(days), regionChart(b.by_region),
    h('div', { class: 'cards' }, breakdown('By region', b.by_region), breakdown('By alleged party', b.by_party), breakdown('By type', b.by_type),
      h('section', { class: 'card' }, h('h3', {}, 'Grades'), h('table', {}, h('tbody', {},
        Object.entries(b.grades).map(([g, n]) => h('tr', {}, h('th', { scope: 'row' }, g.replace('_', ' ')), h('td', {}, fmt(n))))))),
      h('section', { class: 'card' }, h('h3', {}, 'New incidents'), h('p', {}, (b.new_incidents || []).map((x) => `#${x.id || x}`).join(', ') || 'None.')),
      h('section', { class: 'card' }, h('h3', {}, 'Changed incidents'), h('p', {}, (b.changed_incidents || []).map((x) => `#${x.id || x}`).join(', ') || 'None.'))));
}
