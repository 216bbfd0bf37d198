// ui.js — small DOM helpers: element builder, status line, tab lists, time formatting.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

let statusTimer = null;
export function status(msg, { error = false, keep = false } = {}) {
  const s = document.getElementById('status');
  s.textContent = msg;
  s.classList.toggle('error', error);
  clearTimeout(statusTimer);
  if (!keep) statusTimer = setTimeout(() => { s.textContent = ''; }, 6000);
}

// A labelled field: <div class=field><label>text</label>control</div>.
export function field(label, control, hint) {
  if (!control.id) control.id = `f-${Math.random().toString(36).slice(2, 9)}`;
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control,
    hint ? h('small', { class: 'hint' }, hint) : null);
}

export function select(name, options, value) {
  const s = h('select', { name });
  for (const o of options) {
    const [v, t] = Array.isArray(o) ? o : [o, o];
    s.append(h('option', { value: v, selected: v === value }, t));
  }
  return s;
}

// Shows an API error on a form: the message, and aria-invalid on the field it names.
export function formError(form, out, err) {
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  out.textContent = err.message;
  const name = (err.field || '').split(/[.[]/)[0];
  const el = name && form.querySelector(`[name="${CSS.escape(err.field)}"], [name="${CSS.escape(name)}"]`);
  if (el) { el.setAttribute('aria-invalid', 'true'); el.focus(); }
}

// Wires role=tab buttons of a tablist: click and arrow keys select, panels show/hide.
export function tabs(list, onSelect) {
  const all = [...list.querySelectorAll('[role=tab]')];
  const select = (tab, focus) => {
    for (const t of all) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute('aria-controls')).hidden = !on;
    }
    if (focus) tab.focus();
    if (onSelect) onSelect(tab.id);
  };
  for (const t of all) {
    t.addEventListener('click', () => select(t, false));
    t.addEventListener('keydown', (e) => {
      const i = all.indexOf(t);
      if (e.key === 'ArrowRight') select(all[(i + 1) % all.length], true);
      else if (e.key === 'ArrowLeft') select(all[(i + all.length - 1) % all.length], true);
    });
  }
  select(all.find((t) => t.getAttribute('aria-selected') === 'true') || all[0], false);
  return (id) => select(document.getElementById(id), false);
}

export const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
export const day = (ms) => new Date(ms).toISOString().slice(0, 10);
export const fmt = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en'));
