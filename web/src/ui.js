// ui.js — small DOM helpers: element builder, status line, labelled fields, tab lists,
// form messages shown where the user is looking, time inputs.
import { t, dir } from './i18n.js';

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

let ids = 0;
// A labelled field: <div class=field><label>text</label>control<small hint></div>.
export function field(label, control, hint) {
  if (!control.id) control.id = `f-${++ids}`;
  const hintEl = hint ? h('small', { class: 'hint', id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl);
}

// A select of [value, label] pairs (or plain values shown as they are).
export function select(name, options, value) {
  const s = h('select', { name });
  for (const o of options) {
    const [v, txt] = Array.isArray(o) ? o : [o, o];
    s.append(h('option', { value: v, selected: v === value }, txt));
  }
  return s;
}

// The message area of a form, placed beside its submit button: role=alert for errors, and
// a result line that takes the focus so the user sees it where they are looking.
export function formMessages() {
  const error = h('p', { class: 'error', role: 'alert' });
  const result = h('div', { class: 'result', tabindex: '-1', 'aria-live': 'polite' });
  return { error, result, el: h('div', { class: 'form-messages' }, error, result) };
}

// Shows an error on a form: the message (with the field named), aria-invalid on the field,
// which takes the focus. err: an ApiError (field from the problem) or {message, field}.
export function formError(form, out, err) {
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const name = (err.field || '').split(/[.[]/)[0];
  const el = err.field ? form.querySelector(`[name="${CSS.escape(err.field)}"], [name="${CSS.escape(name)}"]`) : null;
  out.textContent = err.status ? t('form.refused', { status: err.status, message: err.message, field: err.field || '–' }) : err.message;
  if (el) { el.setAttribute('aria-invalid', 'true'); el.focus(); } else out.scrollIntoView({ block: 'nearest' });
}

// Shows a confirmation in result and moves the focus to it.
export function formDone(out, result, ...content) {
  out.textContent = '';
  result.replaceChildren(...content);
  result.focus();
  result.scrollIntoView({ block: 'nearest' });
}

// Wires role=tab buttons of a tablist: click and arrow keys select (mirrored in right-to-left
// layouts), Home/End go to the ends; panels show/hide. onSelect(tabId) after each change.
export function tabs(list, onSelect) {
  const all = () => [...list.querySelectorAll('[role=tab]')].filter((x) => !x.hidden);
  const select = (tab, focus) => {
    for (const x of list.querySelectorAll('[role=tab]')) {
      const on = x === tab;
      x.setAttribute('aria-selected', String(on));
      x.tabIndex = on ? 0 : -1;
      document.getElementById(x.getAttribute('aria-controls')).hidden = !on;
    }
    if (focus) tab.focus();
    if (onSelect) onSelect(tab.id);
  };
  for (const x of list.querySelectorAll('[role=tab]')) {
    x.addEventListener('click', () => select(x, false));
    x.addEventListener('keydown', (e) => {
      const v = all(), i = v.indexOf(x);
      const next = dir() === 'rtl' ? 'ArrowLeft' : 'ArrowRight', prev = dir() === 'rtl' ? 'ArrowRight' : 'ArrowLeft';
      let to = null;
      if (e.key === next) to = v[(i + 1) % v.length];
      else if (e.key === prev) to = v[(i + v.length - 1) % v.length];
      else if (e.key === 'Home') to = v[0];
      else if (e.key === 'End') to = v[v.length - 1];
      if (to) { e.preventDefault(); select(to, true); }
    });
  }
  select(all().find((x) => x.getAttribute('aria-selected') === 'true') || all()[0], false);
  return (id) => select(document.getElementById(id), false);
}

export const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
export const day = (ms) => new Date(ms).toISOString().slice(0, 10);
// The value of a datetime-local input (UTC) for ms, and back to RFC 3339.
export const localInput = (ms) => new Date(ms).toISOString().slice(0, 16);
export const fromLocal = (v) => (v ? `${v}:00Z` : '');

// el.replaceChildren(...kids) without the null, undefined and false kids (which the DOM would
// print as text).
export function put(el, ...kids) {
  el.replaceChildren(...kids.flat().filter((k) => k !== null && k !== undefined && k !== false));
  return el;
}
