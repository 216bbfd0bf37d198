// agreements.js — the Agreements view: pick an agreement (GET /v1/agreements) and see its
// timeline (GET /v1/agreements/{id}/timeline): the implementation score and its percent, the
// counts of steps by status, each provision with its deadline, status and score, and each
// step with its deadline, status, what blocks it and its history of changes.
import { api, has } from './api.js';
import { table } from './details.js';
import { t, label, time as fmtTime, num } from './i18n.js';
import { h, field, select, formMessages, formError, localInput, fromLocal, put } from './ui.js';

const scoreText = (s) => (s === null || s === undefined ? '–' : t(`score.${s}`));
const badge = (s) => (s ? h('span', { class: `st st-${s}`, 'data-status': s }, label('stepStatus', s)) : '–');

export async function showAgreements(el, atIso) {
  if (!has('GET', '/v1/agreements/{id}/timeline')) {
    put(el, h('h2', { id: 'agreements-h' }, t('agreements.title')), h('p', {}, t('agreements.noTimelines')));
    return;
  }
  if (!el.dataset.built) {
    const list = await api('/v1/agreements?limit=1000');
    const pick = select('agreement', (list.items || []).map((a) => [String(a.id), `${a.id}: ${a.name}`]), el.pick ? el.pick.value : undefined);
    const at = h('input', { name: 'at', type: 'datetime-local', value: el.atInput ? el.atInput.value : '' });
    const m = formMessages();
    const body = h('div', { id: 'timeline', 'aria-live': 'polite' });
    const form = h('form', { id: 'agreement-form', novalidate: true },
      h('div', { class: 'row' }, field(t('agreements.agreement'), pick), field(t('agreements.at'), at, t('agreements.atHint'))),
      h('button', { type: 'submit' }, t('agreements.show')), m.el);
    const go = async () => {
      m.error.textContent = '';
      try {
        await showTimeline(body, pick.value, at.value ? fromLocal(at.value) : null);
      } catch (err) { formError(form, m.error, err); }
    };
    form.addEventListener('submit', (e) => { e.preventDefault(); go(); });
    pick.addEventListener('change', go);
    put(el, h('h2', { id: 'agreements-h' }, t('agreements.title')), form, body);
    el.dataset.built = 'true';
    el.go = go;
    el.pick = pick;
    el.atInput = at;
  }
  if (atIso && !el.atInput.value) el.atInput.value = localInput(Date.parse(atIso));
  if (el.pick.value) await el.go();
}

export async function showTimeline(el, id, atIso) {
  const want = `${id}@${atIso}`;
  el.dataset.want = want;
  put(el, h('p', {}, t('agreements.loading')));
  const tl = await api(`/v1/agreements/${id}/timeline${atIso ? `?at=${encodeURIComponent(atIso)}` : ''}`);
  if (el.dataset.want !== want) return null; // another agreement or time was asked meanwhile
  const steps = new Map(tl.steps.map((s) => [s.id, s]));
  const stepName = (i) => (steps.has(i) ? `${i} ${steps.get(i).title}` : String(i));
  const other = tl.other_steps && tl.other_steps.steps && tl.other_steps.steps.length ? tl.other_steps : null;
  put(el, 
    h('h3', { 'data-agreement': String(tl.agreement_id) }, t('agreements.heading', { name: tl.name, at: fmtTime(tl.at) })),
    h('div', { class: 'figures' },
      h('div', { class: 'fig', id: 'tl-score', 'data-score': String(tl.score), 'data-percent': String(tl.percent) },
        h('small', {}, t('agreements.implementation')), h('span', { class: 'big' }, tl.percent === null ? '–' : `${num(tl.percent)}%`),
        h('small', {}, t('agreements.score', { score: scoreText(tl.score) }))),
      ...Object.entries(tl.counts).map(([k, n]) => h('div', { class: 'fig', 'data-count': k },
        h('small', {}, t('agreements.stepsBy', { status: label('stepStatus', k) })), h('span', { class: 'big' }, num(n))))),
    h('section', { class: 'card' }, h('h3', {}, t('agreements.provisions')),
      h('table', { id: 'tl-provisions' }, h('thead', {}, h('tr', {}, ['#', t('agreements.provision'), t('agreements.responsible'), t('agreements.deadline'),
        t('col.status'), t('agreements.scoreCol'), t('agreements.steps')].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, tl.provisions.map((p) => h('tr', { 'data-seq': String(p.seq) }, h('td', {}, String(p.seq)), h('td', {}, p.text || '–'), h('td', {}, p.responsible || '–'),
        h('td', {}, p.deadline ? fmtTime(p.deadline) : t('agreements.noDeadline')), h('td', {}, badge(p.status)),
        h('td', { 'data-score': String(p.score) }, scoreText(p.score), p.score_from === 'steps' ? ` (${t('agreements.fromSteps')})` : ''),
        h('td', {}, (p.steps || []).join(', ') || '–')))))),
    h('section', { class: 'card' }, h('h3', {}, t('agreements.stepsN', { n: tl.steps.length })),
      tl.steps.length === 0 ? h('p', { class: 'hint' }, t('agreements.noSteps')) :
        h('table', { id: 'tl-steps' }, h('thead', {}, h('tr', {}, [t('agreements.step'), t('agreements.responsible'), t('agreements.deadline'), t('col.status'),
          t('agreements.blockedBy'), t('common.history')].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, tl.steps.map((s) => h('tr', { 'data-step': String(s.id), class: s.status === 'late' ? 'late' : null },
          h('td', {}, `${s.id} ${s.title}`, s.provision ? h('small', {}, ` (${t('agreements.underProvision', { seq: s.provision })})`) : ''), h('td', {}, s.responsible || '–'),
          h('td', {}, s.deadline ? fmtTime(s.deadline) : t('agreements.noDeadline')), h('td', {}, badge(s.status)),
          h('td', {}, (s.blocked_by || []).map(stepName).join('; ') || '–'),
          h('td', {}, table([t('col.when'), t('col.status'), t('col.by'), t('col.why')], (s.history || []).map((c) => [fmtTime(c.at), label('stepStatus', c.status), c.party, c.reason || ''])))))))),
    other ? h('p', {}, t('agreements.other', { steps: other.steps.join(', '), score: scoreText(other.score) })) : null,
  );
  return tl;
}
