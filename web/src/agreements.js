// agreements.js — the Agreements view: pick an agreement (GET /v1/agreements) and see its
// timeline (GET /v1/agreements/{id}/timeline): the implementation score and its percent, the
// counts of steps by status, each provision with its deadline, status and score, and each
// step with its deadline, status, what blocks it and its history of changes.
import { api, has } from './api.js';
import { table } from './details.js';
import { h, field, select, formError } from './ui.js';

const SCORE = ['0 not begun', '1 minimal', '2 intermediate', '3 full'];
const scoreText = (s) => (s === null || s === undefined ? '–' : SCORE[s] || String(s));
const badge = (s) => h('span', { class: `st st-${s}`, 'data-status': s }, s.replace('_', ' '));

export async function showAgreements(el, atIso) {
  if (!has('GET', '/v1/agreements/{id}/timeline')) {
    el.replaceChildren(h('h2', { id: 'agreements-h' }, 'Agreements'), h('p', {}, 'This server has no agreement timelines.'));
    return;
  }
  if (!el.dataset.built) {
    const list = await api('/v1/agreements?limit=1000');
    const pick = select('agreement', (list.items || []).map((a) => [String(a.id), `${a.id}: ${a.name}`]));
    const at = h('input', { name: 'at', type: 'datetime-local' });
    const out = h('p', { class: 'error', role: 'alert' });
    const body = h('div', { id: 'timeline', 'aria-live': 'polite' });
    const form = h('form', { id: 'agreement-form', novalidate: true },
      h('div', { class: 'row' }, field('Agreement', pick), field('As at (UTC; empty: now)', at)),
      h('button', { type: 'submit' }, 'Show timeline'), out);
    const go = async () => {
      out.textContent = '';
      try {
        await showTimeline(body, pick.value, at.value ? `${at.value}:00Z` : null);
      } catch (err) { formError(form, out, err); }
    };
    form.addEventListener('submit', (e) => { e.preventDefault(); go(); });
    pick.addEventListener('change', go);
    el.replaceChildren(h('h2', { id: 'agreements-h' }, 'Agreements'), form, body);
    el.dataset.built = 'true';
    el.go = go;
    el.pick = pick;
    el.atInput = at;
  }
  if (atIso && !el.atInput.value) el.atInput.value = atIso.slice(0, 16);
  if (el.pick.value) await el.go();
}

export async function showTimeline(el, id, atIso) {
  const want = `${id}@${atIso}`;
  el.dataset.want = want;
  el.replaceChildren(h('p', {}, 'Loading the timeline…'));
  const t = await api(`/v1/agreements/${id}/timeline${atIso ? `?at=${encodeURIComponent(atIso)}` : ''}`);
  if (el.dataset.want !== want) return null; // another agreement or time was asked meanwhile
  const steps = new Map(t.steps.map((s) => [s.id, s]));
  const stepName = (i) => (steps.has(i) ? `${i} ${steps.get(i).title}` : String(i));
  el.replaceChildren(
    h('h3', { 'data-agreement': String(t.agreement_id) }, `${t.name} — as at ${t.at}`),
    h('div', { class: 'figures' },
      h('div', { class: 'fig', id: 'tl-score', 'data-score': String(t.score), 'data-percent': String(t.percent) },
        h('small', {}, 'implementation'), h('span', { class: 'big' }, t.percent === null ? '–' : `${t.percent}%`), h('small', {}, `score ${scoreText(t.score)}`)),
      ...Object.entries(t.counts).map(([k, n]) => h('div', { class: 'fig', 'data-count': k },
        h('small', {}, `steps ${k.replace('_', ' ')}`), h('span', { class: 'big' }, String(n))))),
    h('section', { class: 'card' }, h('h3', {}, 'Provisions'),
      h('table', { id: 'tl-provisions' }, h('thead', {}, h('tr', {}, ['#', 'provision', 'responsible', 'deadline', 'status', 'score', 'steps'].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, t.provisions.map((p) => h('tr', { 'data-seq': String(p.seq) }, h('td', {}, String(p.seq)), h('td', {}, p.text), h('td', {}, p.responsible || '–'),
          h('td', {}, p.deadline || 'none'), h('td', {}, badge(p.status)), h('td', { 'data-score': String(p.score) }, scoreText(p.score), p.score_from === 'steps' ? ' (from steps)' : ''),
          h('td', {}, p.steps.join(', ') || '–')))))),
    h('section', { class: 'card' }, h('h3', {}, `Steps (${t.steps.length})`),
      t.steps.length === 0 ? h('p', { class: 'hint' }, 'No steps.') :
        h('table', { id: 'tl-steps' }, h('thead', {}, h('tr', {}, ['step', 'responsible', 'deadline', 'status', 'blocked by', 'history'].map((x) => h('th', { scope: 'col' }, x)))),
          h('tbody', {}, t.steps.map((s) => h('tr', { 'data-step': String(s.id), class: s.status === 'late' ? 'late' : null },
            h('td', {}, `${s.id} ${s.title}`, s.provision ? h('small', {}, ` (provision ${s.provision})`) : ''), h('td', {}, s.responsible),
            h('td', {}, s.deadline || 'none'), h('td', {}, badge(s.status)),
            h('td', {}, (s.blocked_by || []).map(stepName).join('; ') || '–'),
            h('td', {}, table(['when', 'status', 'by', 'why'], (s.history || []).map((c) => [c.at, c.status, c.party, c.reason || ''])))))))),
    t.other_steps && t.other_steps.steps.length ? h('p', {}, `Steps under no provision: ${t.other_steps.steps.join(', ')} — score ${scoreText(t.other_steps.score)}`) : null,
  );
  return t;
}
