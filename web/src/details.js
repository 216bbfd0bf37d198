// details.js — the panel of one deconfliction or access object, opened by a click on the map,
// from a notice, or from the "Show" form of the Details tab: a movement (status, schedule,
// latest position, history, clearance), an operation (state, history, and for whoever may
// change it the activate / end / cancel buttons with the re-checked conflicts) and a corridor
// (status at the map's time, openings, suspensions, daily crossings, and the forms to record
// them for whoever may). Everything as the API answers the signed-in party; what it may not
// read answers 404 and shows as "not found".
import { api, may } from './api.js';
import { conflictList, sourcesFor } from './forms.js';
import { t, label, time as fmtTime, date as fmtDate, num } from './i18n.js';
import { h, field, select, formMessages, formError, formDone, status, localInput, fromLocal, put } from './ui.js';

const tv = (v) => (v && v.value ? v.value : v) || null;
const lonlat = (p) => (p ? `${Number(p[1]).toFixed(4)}, ${Number(p[0]).toFixed(4)}` : '–');

export function table(head, rows, attrs = {}) {
  if (rows.length === 0) return h('p', { class: 'hint', ...attrs }, t('common.none'));
  return h('table', attrs, h('thead', {}, h('tr', {}, head.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((x) => h('td', {}, x ?? '–'))))));
}

function dl(pairs) {
  return h('dl', {}, pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '–')]));
}

// An event of a movement or operation (DcEvent): when, what changed, the value, by whom, why.
const eventRows = (events, group) => (events || []).map((e) => [fmtTime(e.at), label('event', e.kind),
  e.kind === 'position' ? lonlat(e.position) : label(group, e.value), e.by, e.reason || '']);

async function load(el, what, path) {
  put(el, h('p', {}, t('common.loading', { what })));
  try {
    return await api(path);
  } catch (e) {
    put(el, h('p', { class: 'error' }, e.status === 404 ? t('common.notFound', { what }) : `${what}: ${e.message}`));
    return null;
  }
}

export async function showMovement(el, id, onShow) {
  const m = await load(el, t('movement.name', { id }), `/v1/movements/${id}`);
  if (!m) return null;
  const p = m.properties;
  const c = p.clearance || { required: [], missing: [], acknowledgements: [] };
  const cleared = h('p', { class: `clearance ${p.cleared ? 'ok' : 'error'}`, 'data-cleared': String(!!p.cleared) },
    p.cleared ? t('movement.cleared') : t('movement.notCleared', { missing: c.missing.join(', ') || '–' }));
  put(el, 
    h('h3', { id: 'details-title', 'data-kind': 'movement', 'data-id': String(p.id) }, t('movement.title', { id: p.id, name: p.name || label('movementKind', p.kind) })),
    h('p', {}, t('movement.status'), ' ', h('strong', { class: 'm-status', 'data-status': p.status }, label('movementStatus', p.status))),
    cleared,
    onShow ? h('button', { type: 'button', class: 'show-on-map', onclick: () => onShow(m.geometry, p.time_start) }, t('action.showOnMap')) : null,
    dl([[t('col.kind'), label('movementKind', p.kind)], [t('col.owner'), p.owner], [t('col.window'), `${fmtTime(p.time_start)} – ${fmtTime(p.time_end)}`],
      [t('movement.width'), t('unit.m', { v: num(p.width_m) })],
      [t('movement.cargo'), h('span', { class: 'm-cargo', 'data-n': String((p.cargo || []).length) }, (p.cargo || [])
        .map((x) => `${label('cargoKind', x.kind)} ${t('unit.t', { v: num(x.tonnes) })}${x.description ? ` (${x.description})` : ''}`).join('; ') || '–')],
      [t('movement.organisations'), (p.organisations || []).join(', ') || '–'],
      [t('movement.vehicles'), num(p.vehicles)], [t('movement.personnel'), num(p.personnel)],
      [t('movement.position'), p.position ? h('span', { class: 'm-position', 'data-at': p.position.at }, t('movement.positionAt', { where: lonlat(p.position.position), at: fmtTime(p.position.at) })) : t('movement.noPosition')],
      [t('movement.visibleTo'), Array.isArray(p.visibility) ? p.visibility.join(', ') : label('visibility', p.visibility)]]),
    h('h4', {}, t('movement.schedule')),
    table([t('col.at'), t('col.latlon')], (p.schedule || []).map((s) => [fmtTime(s.at), lonlat(s.position)]), { class: 'm-schedule' }),
    h('h4', {}, t('movement.clearance')),
    h('p', {}, t('movement.required', { list: c.required.join(', ') || t('common.noneShort') })),
    h('ul', { class: 'missing', 'aria-label': t('movement.missingList') }, c.missing.map((n) => h('li', {}, n))),
    table([t('col.party'), t('col.notice'), t('col.acked'), t('col.entry')], c.acknowledgements.map((a) => [a.party, String(a.notice),
      a.acked_at ? fmtTime(a.acked_at) : t('movement.notYet'), a.ack_index === null ? '–' : String(a.ack_index)]), { class: 'm-acks' }),
    h('h4', {}, t('common.history')),
    table([t('col.when'), t('col.what'), t('col.value'), t('col.by'), t('col.why')], eventRows(p.history, 'movementStatus'), { class: 'm-history' }),
  );
  return m;
}

const NEXT = { planned: ['active', 'cancelled'], active: ['ended', 'cancelled'] };

// me: the signed-in party (GET /v1/me); changed(op) after a change of state.
export async function showOperation(el, id, me, changed, result = null, onShow = null) {
  const op = await load(el, t('operation.name', { id }), `/v1/operations/${id}`);
  if (!op) return null;
  const mayChange = may('POST', '/v1/operations/{id}/state') && me && (me.name === op.owner || me.role === 'admin' || me.role === 'monitor');
  const moves = mayChange ? NEXT[op.state] || [] : [];
  const m = formMessages();
  const reason = h('input', { name: 'reason', type: 'text', maxlength: '2000' });
  const form = moves.length ? h('form', { class: 'op-state', 'aria-label': t('operation.change') },
    field(t('operation.reason'), reason),
    h('div', { class: 'row' }, moves.map((state) => h('button', { type: 'submit', value: state, 'data-state': state }, t(`operation.to.${state}`)))), m.el) : null;
  if (form) {
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const state = e.submitter && e.submitter.value;
      if (!state) return;
      const body = { state };
      if (reason.value.trim()) body.reason = reason.value.trim();
      try {
        const r = await api(`/v1/operations/${id}/state`, { method: 'POST', body });
        status(t('operation.changed', { id, state: label('opState', r.state), n: (r.conflicts || []).length }));
        if (changed) changed(r);
        await showOperation(el, id, me, changed, r, onShow);
        el.querySelector('.op-result')?.focus();
      } catch (err) { formError(form, m.error, err); }
    });
  }
  const start = Math.min(...op.volumes.map((v) => Date.parse(tv(v.time_start))));
  put(el, 
    h('h3', { id: 'details-title', 'data-kind': 'operation', 'data-id': String(op.id) }, t('operation.title', { id: op.id, kind: label('opKind', op.kind), owner: op.owner })),
    h('p', {}, t('operation.state'), ' ', h('strong', { class: 'op-state-now', 'data-state': op.state }, label('opState', op.state))),
    onShow ? h('button', { type: 'button', class: 'show-on-map', onclick: () => onShow(op, start) }, t('action.showOnMap')) : null,
    result ? h('div', { class: 'op-result', tabindex: '-1', 'aria-live': 'polite', 'data-state': result.state },
      h('p', {}, t('operation.result', { state: label('opState', result.state), index: result.event && result.event.receipt ? result.event.receipt.index : '–',
        notified: (result.notified || []).join(', ') || t('common.noOne') })), conflictList(result.conflicts)) : null,
    form,
    mayChange ? null : h('p', { class: 'hint' }, t('operation.onlyOwner')),
    dl([[t('operation.declared'), fmtTime(op.created_at)], [t('operation.volumes'), String(op.volumes.length)]]),
    table([t('col.from'), t('col.to'), t('operation.altitude')], op.volumes.map((v) => [fmtTime(tv(v.time_start)), fmtTime(tv(v.time_end)),
      `${v.volume.altitude_lower ? num(v.volume.altitude_lower.value) : '–'}–${v.volume.altitude_upper ? num(v.volume.altitude_upper.value) : '–'}`])),
    h('h4', {}, t('common.history')),
    table([t('col.when'), t('col.what'), t('col.value'), t('col.by'), t('col.why')], eventRows(op.history, 'opState'), { class: 'op-history' }),
  );
  return op;
}

// The forms of a corridor, for the roles the API lets record them: openings, suspensions and
// resumptions by the corridor's party, admin, monitor or a guarantor; crossings by any writer.
function corridorForms(c, me, at, reload) {
  const writes = may('POST', '/v1/corridors/{id}/openings') && (['admin', 'monitor', 'guarantor'].includes(me.role) || me.name === c.party);
  const out = [];
  const post = (id, title, path, fields, body, note) => {
    const m = formMessages();
    const form = h('form', { id, class: 'card-form', novalidate: true }, h('h4', {}, title), note ? h('p', { class: 'hint' }, note) : null, ...fields,
      h('button', { type: 'submit' }, t('corridor.record')), m.el);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      let b;
      try { b = body(form.elements); } catch (err) { formError(form, m.error, err); return; }
      try {
        const r = await api(`/v1/corridors/${c.area_id}/${path}`, { method: 'POST', body: b });
        await reload(id, h('p', { class: 'ok' }, t('corridor.recorded', { what: title, index: r.receipt ? r.receipt.index : '–' })));
      } catch (err) { formError(form, m.error, err); }
    });
    return form;
  };
  const when = (name, ms) => h('input', { name, type: 'datetime-local', value: localInput(ms), max: localInput(Date.now()) });
  const need = (v, f, key) => { if (!v) throw { field: f, message: t(key) }; return v; };
  const T = Math.min(Date.parse(at), Date.now());
  if (writes) {
    out.push(post('corridor-opening', t('corridor.opening'), 'openings',
      [h('div', { class: 'row' }, field(t('col.from'), h('input', { name: 'from', type: 'datetime-local', value: localInput(Date.parse(at)) })),
        field(t('col.to'), h('input', { name: 'to', type: 'datetime-local', value: localInput(Date.parse(at) + 86400e3) }))),
      field(t('corridor.note'), h('input', { name: 'note', type: 'text', maxlength: '2000' }))],
      (f) => {
        const from = need(f.from.value, 'from', 'form.timeNeeded'), to = need(f.to.value, 'to', 'form.timeNeeded');
        if (Date.parse(fromLocal(to)) <= Date.parse(fromLocal(from))) throw { field: 'to', message: t('notify.endBeforeStart') };
        return { from: fromLocal(from), to: fromLocal(to), ...(f.note.value.trim() ? { note: f.note.value.trim() } : {}) };
      }));
    out.push(post('corridor-suspension', t('corridor.suspension'), 'suspensions',
      [field(t('col.from'), when('from', T)), field(t('corridor.reason'), h('input', { name: 'reason', type: 'text', maxlength: '2000', required: true }))],
      (f) => ({ from: fromLocal(need(f.from.value, 'from', 'form.timeNeeded')), reason: need(f.reason.value.trim(), 'reason', 'corridor.reasonNeeded') }),
      t('corridor.suspensionNote')));
    out.push(post('corridor-resumption', t('corridor.resumption'), 'resumptions',
      [field(t('col.at'), when('at', T)), field(t('corridor.reason'), h('input', { name: 'reason', type: 'text', maxlength: '2000' }))],
      (f) => ({ at: fromLocal(need(f.at.value, 'at', 'form.timeNeeded')), ...(f.reason.value.trim() ? { reason: f.reason.value.trim() } : {}) })));
  }
  if (may('POST', '/v1/corridors/{id}/crossings')) {
    const sources = sourcesFor(me.role);
    out.push(post('corridor-crossing', t('corridor.crossing'), 'crossings',
      [h('div', { class: 'row' }, field(t('corridor.day'), h('input', { name: 'date', type: 'date', value: new Date(T).toISOString().slice(0, 10), max: new Date().toISOString().slice(0, 10) })),
        field(t('corridor.count'), h('input', { name: 'count', type: 'number', min: '0', step: '1', required: true }))),
      field(t('report.source'), select('source', sources.map((s) => [s, label('source', s)]), sources[0])),
      field(t('report.sourceRef'), h('input', { name: 'source.ref', type: 'text', maxlength: '500' })),
      field(t('corridor.note'), h('input', { name: 'note', type: 'text', maxlength: '2000' }))],
      (f) => {
        const n = f.count.value === '' ? NaN : Number(f.count.value);
        if (!Number.isInteger(n) || n < 0) throw { field: 'count', message: t('report.countBad') };
        const src = { kind: f.source.value, ...(f['source.ref'].value.trim() ? { ref: f['source.ref'].value.trim() } : {}) };
        return { date: need(f.date.value, 'date', 'form.timeNeeded'), count: n, source: src, ...(f.note.value.trim() ? { note: f.note.value.trim() } : {}) };
      }, t('corridor.crossingNote')));
  }
  if (!writes) out.unshift(h('p', { class: 'hint' }, t('corridor.onlyParties')));
  return out;
}

export async function showCorridor(el, id, at, me, onShow) {
  const c = await load(el, t('corridor.name', { id }), `/v1/corridors/${id}?at=${encodeURIComponent(at)}`);
  if (!c) return null;
  const tot = c.crossings.totals;
  // After a write: the corridor again, the confirmation in the form that was used.
  const reload = async (formId, message) => {
    await showCorridor(el, id, at, me, onShow);
    const form = el.querySelector(`#${formId}`);
    if (form) formDone(form.querySelector('.error'), form.querySelector('.result'), message);
  };
  put(el, 
    h('h3', { id: 'details-title', 'data-kind': 'corridor', 'data-id': String(c.area_id) }, t('corridor.title', { id: c.area_id, name: c.name })),
    h('p', {}, t('corridor.at', { at: fmtTime(c.at) }), ' ', h('strong', { class: `c-status ${c.status === 'open' ? 'ok' : 'error'}`, 'data-status': c.status }, label('corridorStatus', c.status)),
      c.next_opening ? ` — ${t('corridor.next', { at: fmtTime(c.next_opening) })}` : ''),
    dl([[t('col.party'), c.party], [t('movement.width'), t('unit.m', { v: num(c.width_m) })], [t('corridor.valid'), `${fmtTime(c.valid_from)} – ${c.valid_to ? fmtTime(c.valid_to) : t('common.open')}`]]),
    h('h4', {}, t('corridor.openings')),
    table([t('col.from'), t('col.to'), t('col.by'), t('corridor.note')], c.openings.map((o) => [fmtTime(o.from), fmtTime(o.to), o.party, o.note || '']), { class: 'c-openings' }),
    h('h4', {}, t('corridor.suspensions')),
    table([t('col.from'), t('col.by'), t('corridor.reason'), t('corridor.resumed')], c.suspensions.map((s) => [fmtTime(s.from), s.party, s.reason, s.resumed_at ? fmtTime(s.resumed_at) : t('movement.notYet')]), { class: 'c-suspensions' }),
    h('h4', {}, t('corridor.crossings')),
    table([t('corridor.day'), t('corridor.low'), t('corridor.high'), t('corridor.reports')], c.crossings.days.map((d) => [fmtDate(d.date), num(d.low), num(d.high),
      d.reports.map((r) => t('corridor.reportLine', { count: num(r.count), party: r.party, source: label('source', r.source.kind) })).join('; ')]), { class: 'c-days' }),
    h('p', { class: 'c-totals', 'data-low': String(tot.low), 'data-high': String(tot.high) },
      t('corridor.totals', { n: tot.days, reports: num(tot.reports), low: num(tot.low), high: num(tot.high) })),
    ...corridorForms(c, me, at, reload),
  );
  return c;
}

// The Details tab: a "Show" form (keyboard way in) above the panel of the chosen object.
export function detailsForm(onShow) {
  const kind = select('detail_kind', [['movement', t('objectType.movement')], ['operation', t('objectType.operation')], ['corridor', t('details.corridorId')]]);
  const id = h('input', { name: 'detail_id', type: 'number', min: '1', step: '1', required: true });
  const err = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { id: 'details-form', novalidate: true }, h('div', { class: 'row' }, field(t('details.object'), kind), field(t('details.id'), id),
    h('button', { type: 'submit' }, t('details.show'))), err);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const n = Number(id.value);
    if (Number.isInteger(n) && n > 0) { id.removeAttribute('aria-invalid'); err.textContent = ''; onShow(kind.value, n); } else { id.setAttribute('aria-invalid', 'true'); err.textContent = t('details.idBad'); id.focus(); }
  });
  return form;
}
