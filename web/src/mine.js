// mine.js — the Mine action tab: the hazards (GET /v1/hazards) with their released and
// remaining square metres, one hazard's tasks (from GET /v1/mine-action/export) with their
// daily progress, and the forms each role may use: record a hazard drawn on the map, change
// its status, start a task, report a day's progress, close a task — through the same routes
// and rules as every client (docs/mine-action.md).
import { api, has, may } from './api.js';
import { Sketch } from './forms.js';
import { t, label, time as fmtTime, date as fmtDate, num } from './i18n.js';
import { h, field, select, formMessages, formError, formDone, put } from './ui.js';
import { table } from './details.js';

const CONTAMINATION = ['AP mine', 'AT mine', 'UXO', 'AXO', 'IED', 'cluster munition'];
const ITEMS = [...CONTAMINATION, 'small arms ammunition'];
const TASK_KINDS = ['non_technical_survey', 'technical_survey', 'clearance', 'eod_spot_task'];
const m2 = (v) => t('unit.m2', { v: num(v) });
const bad = (field, key) => ({ field, message: t(key) });
const day = (ms) => new Date(ms).toISOString().slice(0, 10);

function postForm(id, title, path, fields, body, done, note) {
  const m = formMessages();
  const form = h('form', { id, class: 'card-form', novalidate: true }, h('h4', {}, title), note ? h('p', { class: 'hint' }, note) : null,
    ...fields, h('button', { type: 'submit' }, t('mine.record')), m.el);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    let b;
    try { b = body(form.elements); } catch (err) { formError(form, m.error, err); return; }
    try {
      const r = await api(typeof path === 'function' ? path(form.elements) : path, { method: 'POST', body: b });
      const message = h('p', { class: 'ok' }, t('mine.recorded', { what: title, index: r.receipt ? r.receipt.index : '–' }));
      formDone(m.error, m.result, message);
      await done(r, form, message);
    } catch (err) { formError(form, m.error, err); }
  });
  return form;
}

const whole = (v, f) => {
  if (v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw bad(f, 'report.countBad');
  return n;
};

export class MineAction {
  // layers: the DeconflictLayers (the hazards layer); onShow(geometry) shows one on the map.
  constructor(el, view, layers, me, getTime, onShow) {
    this.el = el;
    this.view = view;
    this.layers = layers;
    this.me = me;
    this.getTime = getTime;
    this.onShow = onShow;
    this.list = h('div', { id: 'hazard-list' });
    this.panel = h('div', { id: 'hazard-panel', class: 'incident-panel', tabindex: '-1' });
    const parts = [h('h2', {}, t('mine.title')), h('p', { class: 'hint' }, t('mine.intro')), this.list, this.panel];
    if (may('POST', '/v1/hazards')) parts.push(this.hazardForm());
    put(el, ...parts);
    this.renderList();
  }

  renderList() {
    const hz = [...this.layers.hazards.values()].sort((a, b) => b.properties.id - a.properties.id);
    put(this.list, hz.length ? h('ul', { class: 'hazards' }, hz.map((f) => {
      const p = f.properties;
      return h('li', { 'data-hazard': String(p.id) }, h('button', { type: 'button', class: 'linkish', onclick: () => this.show(p.id) },
        t('hazard.row', { id: p.id, name: p.name || label('hazardKind', p.kind), status: label('hazardStatus', p.status), remaining: m2(p.remaining_m2) })));
    })) : h('p', { class: 'hint' }, t('mine.none')));
  }

  hazardForm() {
    const draw = h('button', { type: 'button', 'aria-pressed': 'false', name: 'draw', id: 'hazard-draw' }, t('draw.start'));
    this.sketch = new Sketch(this.view, draw, () => 'polygon');
    const count = h('output', {});
    this.sketch.onChange = (n) => { count.textContent = t('draw.count', { n }); };
    const contamination = h('fieldset', { class: 'checks' }, h('legend', {}, t('hazard.contamination')),
      CONTAMINATION.map((c, i) => h('span', {}, h('input', { type: 'checkbox', name: 'contamination', value: c, id: `hz-c-${i}` }), h('label', { for: `hz-c-${i}` }, label('contamination', c)))));
    return postForm('hazard-form', t('hazard.new'), '/v1/hazards', [
      h('p', { class: 'hint' }, t('hazard.drawHint')), h('div', { class: 'row' }, draw, h('button', { type: 'button', onclick: () => this.sketch.clear() }, t('draw.clear')), count),
      field(t('notify.name'), h('input', { name: 'name', type: 'text', maxlength: '200' })),
      field(t('hazard.kind'), select('hazard_kind', ['SHA', 'CHA'].map((k) => [k, label('hazardKind', k)]))),
      contamination,
      field(t('hazard.estimated'), h('input', { name: 'estimated_m2', type: 'number', min: '0', step: '1' })),
      field(t('hazard.evidence'), h('textarea', { name: 'evidence', rows: '2', maxlength: '4000' }))],
    (f) => {
      this.sketch.stop();
      const pts = this.sketch.points;
      if (pts.length < 3) throw bad('draw', 'hazard.drawNeeded');
      const cont = [...f.contamination].filter((x) => x.checked).map((x) => x.value);
      if (!cont.length) throw bad('contamination', 'hazard.contaminationNeeded');
      const ring = pts.map((p) => [p.lng, p.lat]);
      ring.push(ring[0]);
      const props = { kind: f.hazard_kind.value, contamination: cont };
      if (f.name.value.trim()) props.name = f.name.value.trim();
      if (f.evidence.value.trim()) props.evidence = f.evidence.value.trim();
      const est = whole(f.estimated_m2.value, 'estimated_m2');
      if (est !== undefined) props.estimated_m2 = est;
      return { type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring] }, properties: props };
    },
    async (r) => { this.sketch.clear(); this.layers.addHazard(r); this.renderList(); await this.show(r.properties.id, false); });
  }

  // One hazard: figures, tasks with their progress, and the forms.
  async show(id, focus = true) {
    put(this.panel, h('p', {}, t('common.loading', { what: t('hazard.name', { id }) })));
    let hz, tasks = [];
    try {
      hz = await api(`/v1/hazards/${id}`);
      if (has('GET', '/v1/mine-action/export')) {
        const ex = await api('/v1/mine-action/export');
        const ids = (ex.features || []).filter((f) => f.properties.feature === 'task' && f.properties.hazard_id === id).map((f) => f.properties.id);
        tasks = await Promise.all(ids.map((x) => api(`/v1/tasks/${x}`)));
      }
    } catch (e) {
      put(this.panel, h('p', { class: 'error' }, e.status === 404 ? t('common.notFound', { what: t('hazard.name', { id }) }) : e.message));
      return;
    }
    this.layers.addHazard(hz);
    this.renderList();
    const p = hz.properties;
    // After a write: the hazard again, the confirmation in the form that was used.
    const reload = async (formId, message) => {
      await this.show(id, false);
      const form = this.panel.querySelector(`#${formId}`);
      if (form && message) formDone(form.querySelector('.error'), form.querySelector('.result'), message);
    };
    put(this.panel, 
      h('h3', { id: 'hazard-title', 'data-id': String(p.id) }, t('hazard.title', { id: p.id, name: p.name || label('hazardKind', p.kind) })),
      h('button', { type: 'button', class: 'show-on-map', onclick: () => this.onShow(hz.geometry) }, t('action.showOnMap')),
      h('dl', {}, [[t('hazard.kind'), label('hazardKind', p.kind)], [t('col.status'), label('hazardStatus', p.status)],
        [t('hazard.contamination'), p.contamination.map((c) => label('contamination', c)).join(', ')], [t('col.owner'), p.owner],
        [t('hazard.recorded'), fmtTime(p.recorded_at)], [t('hazard.area'), m2(p.area_m2)], [t('hazard.estimated'), p.estimated_m2 === undefined ? '–' : m2(p.estimated_m2)],
        [t('hazard.released'), h('span', { class: 'hz-released', 'data-m2': String(p.released_m2) }, m2(p.released_m2))],
        [t('hazard.remaining'), h('span', { class: 'hz-remaining', 'data-m2': String(p.remaining_m2) }, m2(p.remaining_m2))]]
        .flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
      h('h4', {}, t('hazard.tasks')),
      tasks.length ? h('ul', { class: 'tasks' }, tasks.map((x) => this.task(x, reload))) : h('p', { class: 'hint' }, t('common.none')),
      may('POST', '/v1/tasks') && p.status === 'open' ? this.taskForm(p, reload) : null,
      may('POST', '/v1/hazards/{id}/status') ? this.statusForm(p, reload) : null,
    );
    if (focus) this.panel.focus();
  }

  task(x, reload) {
    const mayWork = ['admin', 'monitor'].includes(this.me.role) || x.owner === this.me.name || (x.contributors || []).includes(this.me.name);
    const open = x.status !== 'closed';
    return h('li', { 'data-task': String(x.id), class: 'card' },
      h('h5', {}, t('task.title', { id: x.id, kind: label('taskKind', x.kind), operator: x.operator }), ' — ', h('span', { 'data-status': x.status }, label('taskStatus', x.status))),
      h('p', {}, t('task.window', { from: fmtDate(x.start), to: x.end ? fmtDate(x.end) : t('common.open') }), ' · ',
        t('task.released', { v: m2(x.released.total_m2) })),
      table([t('col.day'), t('task.cleared'), t('task.reduced'), t('task.cancelled'), t('task.items')], (x.progress || []).map((g) => [fmtDate(g.date),
        num(g.cleared_m2), num(g.reduced_m2), num(g.cancelled_m2), (g.items || []).map((i) => `${label('contamination', i.type)} ${num(i.found || 0)}/${num(i.destroyed || 0)}`).join('; ')]),
      { class: 'task-progress' }),
      open && mayWork && may('POST', '/v1/tasks/{id}/progress') ? this.progressForm(x, reload) : null,
      open && mayWork && may('POST', '/v1/tasks/{id}/close') ? this.closeForm(x, reload) : null);
  }

  taskForm(p, reload) {
    const today = day(Math.min(this.getTime(), Date.now()));
    return postForm('task-form', t('task.new'), '/v1/tasks', [
      field(t('col.kind'), select('task_kind', TASK_KINDS.map((k) => [k, label('taskKind', k)]), 'clearance')),
      field(t('task.operator'), h('input', { name: 'operator', type: 'text', maxlength: '200', value: this.me.name })),
      field(t('task.contributors'), h('input', { name: 'contributors', type: 'text' }), t('notify.visibilityHint')),
      h('div', { class: 'row' }, field(t('col.from'), h('input', { name: 'start', type: 'date', value: today })), field(t('col.to'), h('input', { name: 'end', type: 'date' })))],
    (f) => {
      if (!f.operator.value.trim()) throw bad('operator', 'task.operatorNeeded');
      if (!f.start.value) throw bad('start', 'form.timeNeeded');
      if (f.end.value && f.end.value < f.start.value) throw bad('end', 'notify.endBeforeStart');
      const b = { hazard_id: p.id, kind: f.task_kind.value, operator: f.operator.value.trim(), start: f.start.value };
      const c = f.contributors.value.split(',').map((x) => x.trim()).filter(Boolean);
      if (c.length) b.contributors = c;
      if (f.end.value) b.end = f.end.value;
      return b;
    }, (r, f, msg) => reload('task-form', msg));
  }

  progressForm(x, reload) {
    const id = `progress-form-${x.id}`;
    const itemRow = h('div', { class: 'row' }, field(t('task.itemType'), select('item_type', [['', '–'], ...ITEMS.map((i) => [i, label('contamination', i)])])),
      field(t('task.found'), h('input', { name: 'found', type: 'number', min: '0', step: '1' })), field(t('task.destroyed'), h('input', { name: 'destroyed', type: 'number', min: '0', step: '1' })));
    return postForm(id, t('task.progress'), `/v1/tasks/${x.id}/progress`, [
      field(t('col.day'), h('input', { name: 'date', type: 'date', value: day(Math.max(Date.parse(x.start), Math.min(this.getTime(), Date.now()))), min: x.start.slice(0, 10), max: day(Date.now()) })),
      h('div', { class: 'row' }, field(t('task.cleared'), h('input', { name: 'cleared_m2', type: 'number', min: '0', step: '1' })),
        field(t('task.reduced'), h('input', { name: 'reduced_m2', type: 'number', min: '0', step: '1' })),
        field(t('task.cancelled'), h('input', { name: 'cancelled_m2', type: 'number', min: '0', step: '1' }))),
      itemRow],
    (f) => {
      if (!f.date.value) throw bad('date', 'form.timeNeeded');
      const b = { date: f.date.value };
      for (const k of ['cleared_m2', 'reduced_m2', 'cancelled_m2']) { const v = whole(f[k].value, k); if (v !== undefined) b[k] = v; }
      if (f.item_type.value) {
        const found = whole(f.found.value, 'found'), destroyed = whole(f.destroyed.value, 'destroyed');
        b.items = [{ type: f.item_type.value, ...(found !== undefined ? { found } : {}), ...(destroyed !== undefined ? { destroyed } : {}) }];
      }
      if (Object.keys(b).length === 1) throw bad('cleared_m2', 'task.progressEmpty');
      return b;
    }, (r, f, msg) => reload(id, msg), t('task.progressNote'));
  }

  closeForm(x, reload) {
    const id = `close-form-${x.id}`;
    return postForm(id, t('task.close'), `/v1/tasks/${x.id}/close`, [
      h('div', { class: 'row' }, field(t('col.day'), h('input', { name: 'date', type: 'date', value: day(Math.min(this.getTime(), Date.now())) })),
        field(t('task.outcome'), select('outcome', ['completed', 'cancelled'].map((o) => [o, label('taskOutcome', o)]))))],
    (f) => { if (!f.date.value) throw bad('date', 'form.timeNeeded'); return { date: f.date.value, outcome: f.outcome.value }; }, (r, f, msg) => reload(id, msg));
  }

  statusForm(p, reload) {
    const others = ['open', 'closed', 'handed_over'].filter((s) => s !== p.status);
    return postForm('hazard-status-form', t('hazard.status'), `/v1/hazards/${p.id}/status`, [
      field(t('col.status'), select('status', others.map((s) => [s, label('hazardStatus', s)]))),
      field(t('corridor.reason'), h('input', { name: 'reason', type: 'text', maxlength: '2000' }))],
    (f) => ({ status: f.status.value, ...(f.reason.value.trim() ? { reason: f.reason.value.trim() } : {}) }),
    (r, f, msg) => reload('hazard-status-form', msg), t('hazard.statusNote'));
  }
}
