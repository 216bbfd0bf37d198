// panel.js — one incident: what, where, grade and its history, the reports (those this
// party may read), responses and verdicts; the forms the party's role may use (a response;
// for monitors a verdict, a split and a merge, through the same routes and with the same
// rules as every client); and for each report with a log receipt a "verified" mark the
// browser computes itself (tlog.js), with the checkpoint's witnesses and whether their
// quorum holds.
import { api, may } from './api.js';
import { verifyCosignatures, verifyReceipt } from './tlog.js';
import { t, label, time as fmtTime, num } from './i18n.js';
import { where, regionName } from './basemap.js';
import { h, field, select, formMessages, formError, formDone, put, status } from './ui.js';

let vkeyCache = null;
async function vkey() {
  if (!vkeyCache) vkeyCache = (await api('/v1/log/key', { text: true })).trim();
  return vkeyCache;
}

let witnessCache = null; // GET /v1/log/witnesses: {quorum, witnesses: [{name, vkey}]}
async function witnesses() {
  if (!witnessCache) witnessCache = await api('/v1/log/witnesses');
  return witnessCache;
}

// The receipt checkpoint's witnesses, checked in the browser; throws when the quorum fails.
async function witnessLine(note, mark) {
  const w = await witnesses();
  if (!w.witnesses.length) return '';
  const c = await verifyCosignatures(note, w.witnesses.map((x) => x.vkey), w.quorum);
  mark.dataset.witnesses = String(c.valid);
  mark.dataset.quorum = String(c.holds);
  const list = c.witnesses.map((x) => `${x.name} ${{ valid: '✔', invalid: '✘', absent: '–' }[x.state]}`).join(', ');
  const p = { valid: c.valid, n: c.witnesses.length, quorum: c.quorum, list };
  if (!c.holds) throw new Error(t('receipt.noQuorum', p));
  return ' ' + t('receipt.witnesses', p);
}

// Receipts of the reports this tab submitted (the POST answer carries them).
const RKEY = 'truce.receipts';
export function rememberReceipt(reportId, receipt) {
  const all = JSON.parse(sessionStorage.getItem(RKEY) || '{}');
  all[reportId] = receipt;
  sessionStorage.setItem(RKEY, JSON.stringify(all));
}
function knownReceipt(reportId) {
  return JSON.parse(sessionStorage.getItem(RKEY) || '{}')[reportId] || null;
}

// Waits (bounded) until a signed checkpoint covers log entry index, then fetches its receipt
// and checks it, showing the outcome in mark.
export async function checkReceipt(index, ref, mark) {
  mark.textContent = t('receipt.checking');
  mark.className = 'mark';
  try {
    for (let attempt = 0; ; attempt++) {
      const cp = await api('/v1/log/checkpoint', { text: true });
      if (Number(cp.split('\n')[1]) > index) break;
      if (attempt >= 20) throw new Error(t('receipt.noCheckpoint'));
      await new Promise((res) => setTimeout(res, 500));
    }
    const r = await api(`/v1/log/receipts/${index}`);
    const v = await verifyReceipt(r, await vkey(), ref);
    const wit = await witnessLine(r.checkpoint, mark);
    mark.textContent = t('receipt.verified', { index, size: v.size }) + wit;
    mark.className = 'mark ok';
    mark.dataset.verified = 'true';
    return true;
  } catch (e) {
    mark.textContent = t('receipt.notVerified', { reason: e.message });
    mark.className = 'mark bad';
    mark.dataset.verified = 'false';
    return false;
  }
}

function reportItem(ref, split) {
  const box = split ? h('input', { type: 'checkbox', name: 'split_report', value: String(ref.id), id: `split-${ref.id}`, form: 'split-form' }) : null;
  const li = h('li', { 'data-report': String(ref.id) }, box, box ? h('label', { for: box.id }, t('report.title', { id: ref.id })) : t('report.title', { id: ref.id }));
  (async () => {
    try {
      const r = await api(`/v1/reports/${ref.id}`);
      li.append(' ', t('report.line', { party: r.reporting_party, at: fmtTime(r.occurred_at), type: label('eventType', r.event_type) }),
        r.sub_event_type ? ` (${label('subEventType', r.sub_event_type)})` : '',
        ` — ${label('class', r.classification.class)}: ${r.classification.reason || ''}`,
        ` · ${t('report.sourceIs', { kind: label('source', r.source.kind) })}${r.source.ref ? ` (${r.source.ref})` : ''}`,
        ref.attached && ref.attached.why ? h('div', { class: 'why' }, t('report.why', { why: ref.attached.why })) : null);
      const receipt = r.receipt || knownReceipt(r.id);
      if (receipt) {
        const mark = h('span', { class: 'mark', 'aria-live': 'polite' });
        li.append(h('div', {}, t('report.entry', { index: receipt.index }), ' ', mark));
        checkReceipt(receipt.index, `report/${r.id}`, mark);
      }
    } catch (e) {
      li.append(' ', e.status === 404 ? t('report.notReadable') : e.message);
    }
  })();
  return li;
}

function table(head, rows, attrs = {}) {
  return h('table', attrs, h('thead', {}, h('tr', {}, head.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((x) => h('td', {}, x ?? '–'))))));
}

// A form posting to path; body(form) builds the request (or throws {message, field});
// done(answer) after success.
function postForm({ id, title, fields, submit, path, body, done, note }) {
  const m = formMessages();
  const form = h('form', { id, class: 'card-form', novalidate: true }, h('h4', {}, title), note ? h('p', { class: 'hint' }, note) : null,
    ...fields, h('button', { type: 'submit' }, submit), m.el);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    let b;
    try { b = body(form.elements); } catch (err) { formError(form, m.error, err); return; }
    try {
      const r = await api(path, { method: 'POST', body: b });
      formDone(m.error, m.result, h('p', { class: 'ok' }, done(r)));
    } catch (err) { formError(form, m.error, err); }
  });
  return form;
}

const need = (v, field, key) => { if (!v) throw { field, message: t(key) }; return v; };

function respondForm(inc, refresh) {
  return postForm({
    id: 'respond-form', title: t('incident.respond'), submit: t('incident.respondSubmit'), path: `/v1/incidents/${inc.id}/responses`,
    note: t('incident.respondNote'),
    fields: [field(t('incident.response'), select('response', ['comment', 'accept', 'deny'].map((x) => [x, label('response', x)]))),
      field(t('incident.text'), h('input', { name: 'text', type: 'text', maxlength: '2000' }))],
    body: (f) => ({ response: f.response.value, ...(f.text.value.trim() ? { text: f.text.value.trim() } : {}) }),
    done: (r) => { refresh(); return t('incident.responded', { index: r.receipt ? r.receipt.index : '–' }); },
  });
}

function verdictForm(inc, refresh) {
  return postForm({
    id: 'verdict-form', title: t('incident.verdict'), submit: t('incident.verdictSubmit'), path: `/v1/incidents/${inc.id}/verdict`,
    note: t('incident.verdictNote'),
    fields: [field(t('incident.verdictKind'), select('verdict', ['confirm', 'reject', 'reopen'].map((x) => [x, label('verdict', x)]))),
      field(t('incident.reason'), h('input', { name: 'reason', type: 'text', maxlength: '2000' }), t('incident.reasonReject'))],
    body: (f) => {
      const reason = f.reason.value.trim();
      if (f.verdict.value === 'reject') need(reason, 'reason', 'incident.reasonNeeded');
      return { verdict: f.verdict.value, ...(reason ? { reason } : {}) };
    },
    done: (r) => { refresh(); return t('incident.verdictDone', { grade: label('grade', r.grade) }); },
  });
}

function splitForm(inc, refresh) {
  return postForm({
    id: 'split-form', title: t('incident.split'), submit: t('incident.splitSubmit'), path: `/v1/incidents/${inc.id}/split`,
    note: t('incident.splitNote'),
    fields: [field(t('incident.reason'), h('input', { name: 'reason', type: 'text', maxlength: '2000', required: true }))],
    body: (f) => {
      const ids = [...document.querySelectorAll('input[name=split_report]:checked')].map((x) => Number(x.value));
      if (ids.length === 0 || ids.length === (inc.summary ? inc.summary.reports : inc.reports.length)) throw { field: 'split_report', message: t('incident.splitPick') };
      return { reports: ids, reason: need(f.reason.value.trim(), 'reason', 'incident.reasonNeeded') };
    },
    done: (r) => { refresh(r); return t('incident.splitDone', { ids: (r.incidents || []).join(', ') }); },
  });
}

function mergeForm(inc, refresh) {
  let ids = [];
  return postForm({
    id: 'merge-form', title: t('incident.merge'), submit: t('incident.mergeSubmit'), path: `/v1/incidents/${inc.id}/merge`,
    note: t('incident.mergeNote'),
    fields: [field(t('incident.mergeIds'), h('input', { name: 'incidents', type: 'text', inputmode: 'numeric', required: true }), t('incident.mergeIdsHint')),
      field(t('incident.reason'), h('input', { name: 'reason', type: 'text', maxlength: '2000', required: true }))],
    body: (f) => {
      ids = f.incidents.value.split(/[\s,;]+/).filter(Boolean).map(Number);
      if (ids.length === 0 || ids.some((x) => !Number.isInteger(x) || x <= 0 || x === inc.id)) throw { field: 'incidents', message: t('incident.mergeBad') };
      return { incidents: ids, reason: need(f.reason.value.trim(), 'reason', 'incident.reasonNeeded') };
    },
    done: (r) => { refresh({ ...r, retired: ids.filter((x) => !(r.incidents || []).includes(x)) }); return t('incident.mergeDone', { ids: (r.incidents || []).join(', ') }); },
  });
}

// The incident's reports, a page at a time (GET /v1/incidents/{id}?cursor=): the first page
// came with the incident; "More reports" fetches the next while there is one.
function reportList(inc, split) {
  const list = h('ul', { class: 'reports' }, inc.reports.map((r) => reportItem(r, split)));
  let next = inc.next_cursor;
  const more = h('button', { type: 'button', class: 'more-reports', hidden: !next }, t('incident.moreReports'));
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const page = await api(`/v1/incidents/${inc.id}?cursor=${encodeURIComponent(next)}`);
      list.append(...page.reports.map((r) => reportItem(r, split)));
      next = page.next_cursor;
    } catch (e) {
      status(t('incident.pageFailed', { id: inc.id, message: e.message }), { error: true });
    }
    more.disabled = false;
    more.hidden = !next;
  });
  return [list, more];
}

// "3 independent sources; reports by source kind: party 12, media 4" (the incident's summary).
function sourcesLine(s) {
  if (!s || !s.sources) return null;
  const kinds = Object.entries(s.sources.by_kind || {}).filter(([, n]) => n > 0).map(([k, n]) => `${label('source', k)} ${num(n)}`);
  return h('p', { class: 'sources' }, t('incident.sources', { n: s.sources.independent }),
    kinds.length ? ` ${t('incident.sourceKinds', { kinds: kinds.join(', ') })}` : '');
}

// Shows incident id in el. onChange(incident, retired ids) with the fresh incident after a
// write; onShow(incident) for "show on map".
export async function showIncident(el, id, onChange, onShow) {
  put(el, h('p', {}, t('incident.loading', { id })));
  let inc;
  try {
    inc = await api(`/v1/incidents/${id}`);
  } catch (e) {
    put(el, h('p', { class: 'error' }, e.status === 404 ? t('incident.notFound', { id }) : e.message));
    return null;
  }
  const c = inc.location ? inc.location.coordinates : null;
  const nreports = inc.summary ? inc.summary.reports : inc.reports.length;
  const monitor = may('POST', '/v1/incidents/{id}/verdict');
  // After a write: the incident again (after a regroup, the first it names; the others are
  // read and passed on too; a merge retires the ids merged in).
  const refresh = async (regroup) => {
    const ids = regroup && regroup.incidents ? regroup.incidents : [id];
    const fresh = await showIncident(el, ids[0], onChange, onShow);
    if (!onChange) return;
    if (fresh) onChange(fresh, (regroup && regroup.retired) || []);
    for (const other of ids.slice(1)) api(`/v1/incidents/${other}`).then((x) => onChange(x, [])).catch(() => {});
  };
  const fat = inc.fatalities ? (inc.fatalities.min === inc.fatalities.max ? num(inc.fatalities.min) : `${num(inc.fatalities.min)}–${num(inc.fatalities.max)}`) : '–';
  put(el, 
    h('h3', { id: 'incident-title', 'data-id': String(inc.id) }, t('incident.title', { id: inc.id, type: label('eventType', inc.event_type) })),
    h('p', {}, h('span', { class: `dot g-${inc.grade}`, 'aria-hidden': 'true' }), h('strong', { 'data-grade': inc.grade }, label('grade', inc.grade)),
      ` — ${inc.grade_reason || ''}`),
    c ? h('button', { type: 'button', class: 'show-on-map', onclick: () => onShow(inc) }, t('action.showOnMap')) : null,
    h('dl', {},
      h('dt', {}, t('incident.occurred')), h('dd', {}, fmtTime(inc.occurred_at)),
      h('dt', {}, t('incident.where')), h('dd', {}, c ? where(c[0], c[1]) : '–'),
      h('dt', {}, t('incident.region')), h('dd', {}, regionName(inc.region)),
      h('dt', {}, t('incident.alleged')), h('dd', {}, (inc.alleged_perpetrators || []).join(', ') || '–'),
      h('dt', {}, t('incident.class')), h('dd', {}, `${label('class', inc.classification.class)}: ${inc.classification.reason || ''}`),
      h('dt', {}, t('incident.fatalities')), h('dd', {}, fat)),
    h('h4', {}, t('incident.reports', { n: nreports })), sourcesLine(inc.summary),
    ...reportList(inc, monitor && nreports > 1),
    h('h4', {}, t('incident.history')),
    table([t('col.when'), t('col.by'), t('col.from'), t('col.to'), t('col.why')],
      inc.history.map((x) => [fmtTime(x.at), x.by, label('grade', x.from), label('grade', x.to), x.why])),
    h('h4', {}, t('incident.responses')),
    (inc.responses || []).length ? table([t('col.when'), t('col.party'), t('col.response'), t('col.text')],
      inc.responses.map((x) => [fmtTime(x.at), x.party, label('response', x.response), x.text || '–']), { class: 'i-responses' }) : h('p', { class: 'hint' }, t('common.none')),
    h('h4', {}, t('incident.verdicts')),
    (inc.verdicts || []).length ? table([t('col.when'), t('col.monitor'), t('col.verdict'), t('col.reason')],
      inc.verdicts.map((x) => [fmtTime(x.at), x.monitor, label('verdict', x.verdict), x.reason || '–']), { class: 'i-verdicts' }) : h('p', { class: 'hint' }, t('common.none')),
    may('POST', '/v1/incidents/{id}/responses') ? respondForm(inc, refresh) : null,
    monitor ? verdictForm(inc, refresh) : null,
    monitor && nreports > 1 ? splitForm(inc, refresh) : null,
    may('POST', '/v1/incidents/{id}/merge') ? mergeForm(inc, refresh) : null,
  );
  return inc;
}
