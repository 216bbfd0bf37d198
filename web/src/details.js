// details.js — the panel of one deconfliction or access object, opened by a click on the map
// or from the "Show" form of the Details tab: a movement (status, schedule, latest position,
// history, clearance), an operation (state, history, and for whoever may change it the
// activate / end / cancel buttons with the re-checked conflicts) and a corridor (status at
// the slider's time, openings, suspensions, daily crossings). Everything as the API answers
// the signed-in party; what it may not read answers 404 and shows as "not found".
import { api } from './api.js';
import { conflictList } from './forms.js';
import { h, field, select, formError, status, fmt } from './ui.js';

const tv = (v) => (v && v.value ? v.value : v) || '–';
const lonlat = (p) => (p ? `${Number(p[1]).toFixed(4)}, ${Number(p[0]).toFixed(4)}` : '–');

export function table(head, rows, attrs = {}) {
  if (rows.length === 0) return h('p', { class: 'hint' }, 'None.');
  return h('table', attrs, h('thead', {}, h('tr', {}, head.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((x) => h('td', {}, x ?? '–'))))));
}

function dl(pairs) {
  return h('dl', {}, pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '–')]));
}

// An event of a movement or operation (DcEvent): what changed, when, by whom, why.
const eventRows = (events) => (events || []).map((e) => [e.at, e.kind,
  e.kind === 'position' ? lonlat(e.position) : (e.value || ''), e.by, e.reason || '']);

async function load(el, what, path) {
  el.replaceChildren(h('p', {}, `Loading ${what}…`));
  try {
    return await api(path);
  } catch (e) {
    el.replaceChildren(h('p', { class: 'error' }, e.status === 404 ? `${what}: not found (or not readable by you).` : `${what}: ${e.message}`));
    return null;
  }
}

export async function showMovement(el, id) {
  const m = await load(el, `Movement ${id}`, `/v1/movements/${id}`);
  if (!m) return null;
  const p = m.properties;
  const c = p.clearance || { required: [], missing: [], acknowledgements: [] };
  const cleared = h('p', { class: `clearance ${p.cleared ? 'ok' : 'error'}`, 'data-cleared': String(!!p.cleared) },
    p.cleared ? '✔ cleared: every party whose areas the route crosses has acknowledged it'
      : `✘ not cleared — missing: ${c.missing.join(', ') || '–'}`);
  el.replaceChildren(
    h('h3', { id: 'details-title', 'data-kind': 'movement', 'data-id': String(p.id) }, `Movement ${p.id}: ${p.name || p.kind}`),
    h('p', {}, 'Status ', h('strong', { class: 'm-status', 'data-status': p.status }, p.status.replace('_', ' '))),
    cleared,
    dl([['Kind', p.kind], ['Owner', p.owner], ['Window', `${p.time_start} – ${p.time_end}`], ['Width', `${fmt(p.width_m)} m`],
      ['Latest position', p.position ? h('span', { class: 'm-position' }, `${lonlat(p.position.position)} at ${p.position.at}`) : 'none reported'],
      ['Visible to', Array.isArray(p.visibility) ? p.visibility.join(', ') : p.visibility]]),
    h('h4', {}, 'Schedule'),
    table(['at', 'lat, lon'], (p.schedule || []).map((s) => [s.at, lonlat(s.position)]), { class: 'm-schedule' }),
    h('h4', {}, 'Clearance'),
    h('p', {}, `Required: ${c.required.join(', ') || 'none'}`),
    h('ul', { class: 'missing', 'aria-label': 'Not acknowledged yet' }, c.missing.map((n) => h('li', {}, n))),
    table(['party', 'notice', 'acknowledged', 'log entry'], c.acknowledgements.map((a) => [a.party, String(a.notice), a.acked_at || 'not yet',
      a.ack_index === null ? '–' : String(a.ack_index)]), { class: 'm-acks' }),
    h('h4', {}, 'History'),
    table(['when', 'what', 'value', 'by', 'why'], eventRows(p.history), { class: 'm-history' }),
  );
  return m;
}

const NEXT = { planned: [['active', 'Activate'], ['cancelled', 'Cancel']], active: [['ended', 'End'], ['cancelled', 'Cancel']] };

// me: the signed-in party (GET /v1/me); changed(op) after a change of state.
export async function showOperation(el, id, me, changed, result = null) {
  const op = await load(el, `Operation ${id}`, `/v1/operations/${id}`);
  if (!op) return null;
  const may = me && (me.name === op.owner || me.role === 'admin' || me.role === 'monitor');
  const moves = may ? NEXT[op.state] || [] : [];
  const out = h('p', { class: 'error', role: 'alert' });
  const reason = h('input', { name: 'reason', type: 'text', maxlength: '2000' });
  const form = moves.length ? h('form', { class: 'op-state', 'aria-label': 'Change the state' },
    field('Reason (optional)', reason),
    h('div', { class: 'row' }, moves.map(([state, label]) => h('button', { type: 'submit', value: state, 'data-state': state }, label))), out) : null;
  if (form) {
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const state = e.submitter && e.submitter.value;
      if (!state) return;
      const body = { state };
      if (reason.value.trim()) body.reason = reason.value.trim();
      try {
        const r = await api(`/v1/operations/${id}/state`, { method: 'POST', body });
        status(`Operation ${id} ${r.state}: ${(r.conflicts || []).length} conflict(s)`);
        if (changed) changed(r);
        await showOperation(el, id, me, changed, r);
      } catch (err) { formError(form, out, err); }
    });
  }
  el.replaceChildren(
    h('h3', { id: 'details-title', 'data-kind': 'operation', 'data-id': String(op.id) }, `Operation ${op.id}: ${op.kind} by ${op.owner}`),
    h('p', {}, 'State ', h('strong', { class: 'op-state-now', 'data-state': op.state }, op.state)),
    result ? h('div', { class: 'op-result', 'aria-live': 'polite', 'data-state': result.state },
      h('p', {}, `Now ${result.state} (log entry ${result.event && result.event.receipt ? result.event.receipt.index : '?'}); `,
        `notified: ${(result.notified || []).join(', ') || 'no one'}. Conflicts re-checked:`), conflictList(result.conflicts)) : null,
    form,
    dl([['Declared', op.created_at], ['Volumes', String(op.volumes.length)]]),
    table(['from', 'to', 'altitude (m)'], op.volumes.map((v) => [tv(v.time_start), tv(v.time_end),
      `${v.volume.altitude_lower ? v.volume.altitude_lower.value : '–'}–${v.volume.altitude_upper ? v.volume.altitude_upper.value : '–'}`])),
    h('h4', {}, 'History'),
    table(['when', 'what', 'state', 'by', 'why'], eventRows(op.history), { class: 'op-history' }),
  );
  return op;
}

export async function showCorridor(el, id, at) {
  const c = await load(el, `Corridor ${id}`, `/v1/corridors/${id}?at=${encodeURIComponent(at)}`);
  if (!c) return null;
  const t = c.crossings.totals;
  el.replaceChildren(
    h('h3', { id: 'details-title', 'data-kind': 'corridor', 'data-id': String(c.area_id) }, `Corridor ${c.area_id}: ${c.name}`),
    h('p', {}, `At ${c.at}: `, h('strong', { class: `c-status ${c.status === 'open' ? 'ok' : 'error'}`, 'data-status': c.status }, c.status),
      c.next_opening ? ` — next opening ${c.next_opening}` : ''),
    dl([['Party', c.party], ['Width', `${fmt(c.width_m)} m`], ['Valid', `${c.valid_from} – ${c.valid_to || 'open'}`]]),
    h('h4', {}, 'Openings'),
    table(['from', 'to', 'by', 'note'], c.openings.map((o) => [o.from, o.to, o.party, o.note || '']), { class: 'c-openings' }),
    h('h4', {}, 'Suspensions'),
    table(['from', 'by', 'reason', 'resumed'], c.suspensions.map((s) => [s.from, s.party, s.reason, s.resumed_at || 'not yet']), { class: 'c-suspensions' }),
    h('h4', {}, 'People crossing per day'),
    table(['day', 'low', 'high', 'reports'], c.crossings.days.map((d) => [d.date, fmt(d.low), fmt(d.high),
      d.reports.map((r) => `${fmt(r.count)} by ${r.party} (${r.source.kind})`).join('; ')]), { class: 'c-days' }),
    h('p', { class: 'c-totals', 'data-low': String(t.low), 'data-high': String(t.high) },
      `Total over ${fmt(t.days)} day(s), ${fmt(t.reports)} report(s): ${fmt(t.low)}–${fmt(t.high)} people`),
  );
  return c;
}

// The Details tab: a "Show" form (keyboard way in) above the panel of the chosen object.
export function detailsForm(onShow) {
  const kind = select('detail_kind', [['movement', 'Movement'], ['operation', 'Operation'], ['corridor', 'Corridor (area id)']]);
  const id = h('input', { name: 'detail_id', type: 'number', min: '1', step: '1', required: true });
  const form = h('form', { id: 'details-form', class: 'row', novalidate: true }, field('Object', kind), field('Id', id),
    h('button', { type: 'submit' }, 'Show'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const n = Number(id.value);
    if (Number.isInteger(n) && n > 0) onShow(kind.value, n); else id.setAttribute('aria-invalid', 'true');
  });
  return form;
}
