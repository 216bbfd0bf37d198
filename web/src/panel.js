// panel.js — one incident: what, where, grade and its history, the reports (those this
// party may read), responses and verdicts, a response form, and for each report with a log
// receipt a "verified" mark the browser computes itself (tlog.js).
import { api } from './api.js';
import { verifyReceipt } from './tlog.js';
import { h, field, select, formError, status } from './ui.js';

let vkeyCache = null;
async function vkey() {
  if (!vkeyCache) vkeyCache = (await api('/v1/log/key', { text: true })).trim();
  return vkeyCache;
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
  mark.textContent = 'checking…';
  mark.className = 'mark';
  try {
    for (let attempt = 0; ; attempt++) {
      const cp = await api('/v1/log/checkpoint', { text: true });
      if (Number(cp.split('\n')[1]) > index) break;
      if (attempt >= 20) throw new Error('no signed checkpoint covers the entry yet');
      await new Promise((res) => setTimeout(res, 500));
    }
    const r = await api(`/v1/log/receipts/${index}`);
    const v = await verifyReceipt(r, await vkey(), ref);
    mark.textContent = `✔ verified (entry ${index} in the signed tree of ${v.size})`;
    mark.className = 'mark ok';
    mark.dataset.verified = 'true';
    return true;
  } catch (e) {
    mark.textContent = `✘ not verified: ${e.message}`;
    mark.className = 'mark bad';
    mark.dataset.verified = 'false';
    return false;
  }
}

function reportItem(ref) {
  const li = h('li', { 'data-report': String(ref.id) }, `Report ${ref.id}`);
  (async () => {
    try {
      const r = await api(`/v1/reports/${ref.id}`);
      li.replaceChildren(h('strong', {}, `Report ${r.id}`), ` by ${r.reporting_party}, ${r.occurred_at}: ${r.event_type}`,
        r.sub_event_type ? ` (${r.sub_event_type})` : '', ` — ${r.classification.class}: ${r.classification.reason}`,
        ref.attached ? h('div', { class: 'why' }, `attached: ${ref.attached.why}`) : null);
      const receipt = r.receipt || knownReceipt(r.id);
      if (receipt) {
        const mark = h('span', { class: 'mark', 'aria-live': 'polite' });
        li.append(h('div', {}, `Log entry ${receipt.index} `, mark));
        checkReceipt(receipt.index, `report/${r.id}`, mark);
      }
    } catch (e) {
      li.append(e.status === 404 ? ' (another party\'s report: not readable by you)' : ` (${e.message})`);
    }
  })();
  return li;
}

function table(head, rows) {
  return h('table', {}, h('thead', {}, h('tr', {}, head.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((x) => h('td', {}, x ?? '–'))))));
}

function respondForm(inc, onChange) {
  const out = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'respond' },
    field('Response', select('response', ['comment', 'accept', 'deny'])),
    field('Text', h('input', { name: 'text', type: 'text', maxlength: '2000' })),
    h('button', { type: 'submit' }, 'Send response'), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { response: form.response.value };
    if (form.text.value) body.text = form.text.value;
    try {
      const r = await api(`/v1/incidents/${inc.id}/responses`, { method: 'POST', body });
      status(`Response recorded (log entry ${r.receipt ? r.receipt.index : '?'})`);
      onChange();
    } catch (err) { formError(form, out, err); }
  });
  return form;
}

// The incident's reports, a page at a time (GET /v1/incidents/{id}?cursor=): the first page
// came with the incident; "More reports" fetches the next while there is one.
function reportList(id, inc) {
  const list = h('ul', { class: 'reports' }, inc.reports.map(reportItem));
  let next = inc.next_cursor;
  const more = h('button', { type: 'button', class: 'more-reports', hidden: !next }, 'More reports');
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const page = await api(`/v1/incidents/${id}?cursor=${encodeURIComponent(next)}`);
      list.append(...page.reports.map(reportItem));
      next = page.next_cursor;
    } catch (e) {
      status(`Incident ${id}: ${e.message}`);
    }
    more.disabled = false;
    more.hidden = !next;
  });
  return [list, more];
}

// "3 independent sources; reports by source kind: party 12, media 4".
function sourcesLine(s) {
  if (!s) return null;
  const kinds = Object.entries(s.sources.by_kind).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
  return h('p', { class: 'sources' }, `${s.sources.independent} independent source${s.sources.independent === 1 ? '' : 's'}`,
    kinds.length ? `; reports by source kind: ${kinds.join(', ')}` : '');
}

// Shows incident id in el; onChange(incident) is called with the fresh incident after a response.
export async function showIncident(el, id, onChange) {
  el.replaceChildren(h('p', {}, `Loading incident ${id}…`));
  let inc;
  try {
    inc = await api(`/v1/incidents/${id}`);
  } catch (e) {
    el.replaceChildren(h('p', { class: 'error' }, `Incident ${id}: ${e.message}`));
    return;
  }
  const c = inc.location ? inc.location.coordinates : null;
  el.replaceChildren(
    h('h3', { id: 'incident-title' }, `Incident ${inc.id}: ${inc.event_type || ''}`),
    h('p', {}, h('span', { class: `dot g-${inc.grade}`, 'aria-hidden': 'true' }), h('strong', {}, inc.grade.replace('_', ' ')),
      ` — ${inc.grade_reason}`),
    h('dl', {},
      h('dt', {}, 'Occurred'), h('dd', {}, inc.occurred_at || '–'),
      h('dt', {}, 'Where'), h('dd', {}, `${inc.region || ''} ${c ? `(${c[1].toFixed(4)}, ${c[0].toFixed(4)})` : ''}`),
      h('dt', {}, 'Alleged'), h('dd', {}, (inc.alleged_perpetrators || []).join(', ') || '–'),
      h('dt', {}, 'Class'), h('dd', {}, `${inc.classification.class}: ${inc.classification.reason || ''}`),
      h('dt', {}, 'Fatalities'), h('dd', {}, inc.fatalities ? `${inc.fatalities.min}–${inc.fatalities.max}` : '–')),
    h('h4', {}, `Reports (${inc.summary ? inc.summary.reports : inc.reports.length})`), sourcesLine(inc.summary),
    ...reportList(id, inc),
    h('h4', {}, 'Grade history'),
    table(['when', 'by', 'from', 'to', 'why'], inc.history.map((x) => [x.at, x.by, x.from, x.to, x.why])),
    h('h4', {}, 'Responses'),
    (inc.responses || []).length ? table(['when', 'party', 'response', 'text'],
      inc.responses.map((x) => [x.at, x.party, x.response, x.text])) : h('p', {}, 'None yet.'),
    (inc.verdicts || []).length ? h('h4', {}, 'Verdicts') : null,
    (inc.verdicts || []).length ? table(['when', 'monitor', 'verdict', 'reason'],
      inc.verdicts.map((x) => [x.at, x.monitor, x.verdict, x.reason])) : null,
    respondForm(inc, async () => { await showIncident(el, id, onChange); if (onChange) onChange(await api(`/v1/incidents/${id}`)); }),
  );
}
