// i18n.js — the page's languages: English, Arabic (right to left) and Russian. Catalogs are
// flat JSON files a translator edits (web/src/i18n/{en,ar,ru}.json, docs/web.md): a key maps
// to a text with {name} placeholders, or to plural forms ({"one": ..., "other": ...}, the
// CLDR categories of the language: Russian one/few/many/other, Arabic zero/one/two/few/
// many/other). A key missing in the chosen language falls back to English and is recorded in
// missing (the browser test requires none); a key missing in English too shows as ⟦key⟧.
// The choice: ?lang=ar|ru|en in the address, else the one remembered for the signed-in party
// (localStorage, per party), else the last one used in this browser, else English.
import en from './i18n/en.json';
import ar from './i18n/ar.json';
import ru from './i18n/ru.json';

export const LANGS = {
  en: { cat: en, dir: 'ltr', name: 'English' },
  ar: { cat: ar, dir: 'rtl', name: 'العربية' },
  ru: { cat: ru, dir: 'ltr', name: 'Русский' },
};
const KEY = 'truce.lang';
let lang = 'en';
let plural = new Intl.PluralRules('en');
const listeners = [];
export const missing = new Set();

export const current = () => lang;
export const dir = () => LANGS[lang].dir;

function lookup(key) {
  const own = LANGS[lang].cat[key];
  if (own !== undefined) return own;
  if (!missing.has(`${lang}:${key}`)) {
    missing.add(`${lang}:${key}`);
    if (lang !== 'en' || en[key] === undefined) console.warn(`i18n: no "${key}" in ${lang}`);
  }
  return en[key];
}

function fill(text, params) {
  return text.replace(/\{(\w+)\}/g, (m, k) => {
    const v = params[k];
    if (v === undefined || v === null) return '–';
    return typeof v === 'number' && k === 'n' ? num(v) : String(v);
  });
}

// The text of key in the chosen language, {name} placeholders filled from params; params.n
// picks the plural form (and is formatted for the language; format other numbers with num).
export function t(key, params = {}) {
  const e = lookup(key);
  if (e === undefined) return `⟦${key}⟧`;
  if (typeof e === 'string') return fill(e, params);
  const form = e[plural.select(Number(params.n ?? 0))] ?? e.other;
  return fill(form, params);
}

// Whether the catalogs have key (for values that come from the API: kinds, statuses).
export const has = (key) => en[key] !== undefined;

// The label of an API value (a grade, a kind, a status): the catalog's "group.value" when it
// has one, else the value itself (data the centre answered, shown as it is).
export function label(group, value) {
  if (value === null || value === undefined || value === '') return '–';
  const key = `${group}.${value}`;
  if (has(key)) return t(key);
  const within = group === 'band' && /^within (\d+) m$/.exec(value); // the centre's distance bands
  return within ? t('band.within', { m: num(Number(within[1])) }) : String(value);
}

export const num = (n, opts) => (n === null || n === undefined || Number.isNaN(Number(n)) ? '–'
  : Number(n).toLocaleString(locale(), opts));
const locale = () => (lang === 'ar' ? 'ar-u-nu-latn' : lang);

// A time as "19 Dec 2016, 12:00 UTC" in the chosen language (times are UTC throughout).
export function time(v, { seconds = false } = {}) {
  if (!v) return '–';
  const d = new Date(typeof v === 'number' ? v : Date.parse(v));
  if (Number.isNaN(d.getTime())) return String(v);
  const f = new Intl.DateTimeFormat(locale(), {
    timeZone: 'UTC', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
    second: seconds ? '2-digit' : undefined, hourCycle: 'h23',
  });
  return `${f.format(d)} ${t('time.utc')}`;
}
export function date(v) {
  if (!v) return '–';
  const d = new Date(typeof v === 'number' ? v : Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v));
  if (Number.isNaN(d.getTime())) return String(v);
  return new Intl.DateTimeFormat(locale(), { timeZone: 'UTC', year: 'numeric', month: 'short', day: 'numeric' }).format(d);
}
// "in 3 days" / "2 hours ago".
export function relative(v, now = Date.now()) {
  const s = (Date.parse(v) - now) / 1000;
  const units = [['day', 86400], ['hour', 3600], ['minute', 60]];
  const f = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' });
  for (const [u, k] of units) if (Math.abs(s) >= k || u === 'minute') return f.format(Math.round(s / k), u);
  return '';
}

// A place's name in the chosen language where the data has it (Arabic and English names;
// Russian falls back to the English one).
export const placeName = (en_, ar_) => (lang === 'ar' && ar_ ? ar_ : en_);

function fromAddress() {
  const q = new URLSearchParams(location.search).get('lang');
  return q && LANGS[q] ? q : null;
}

// Chooses the language before sign-in: the address, else the last used here.
export function init() {
  const stored = localStorage.getItem(KEY);
  apply(fromAddress() || (LANGS[stored] ? stored : 'en'));
}

// After sign-in: the address wins (and is remembered for the party), else the party's own.
export function forParty(name) {
  const q = fromAddress();
  const own = localStorage.getItem(`${KEY}.${name}`);
  if (q) localStorage.setItem(`${KEY}.${name}`, q);
  apply(q || (LANGS[own] ? own : lang));
}

// The switcher: sets the language, remembers it (for party, when signed in), re-renders.
export function choose(l, party) {
  if (!LANGS[l]) return;
  localStorage.setItem(KEY, l);
  if (party) localStorage.setItem(`${KEY}.${party}`, l);
  const u = new URL(location.href);
  if (u.searchParams.has('lang')) { u.searchParams.set('lang', l); history.replaceState(null, '', u); }
  apply(l);
}

function apply(l) {
  lang = l;
  plural = new Intl.PluralRules(l);
  document.documentElement.lang = l;
  document.documentElement.dir = LANGS[l].dir;
  translate(document);
  for (const f of listeners) f(l);
}

// Calls f(lang) after every change of language (views re-render their text).
export const onChange = (f) => listeners.push(f);

// Static text in the HTML: data-i18n="key" sets the text; data-i18n-attr="attr:key;..." attributes.
export function translate(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      el.setAttribute(attr, t(key));
    }
  }
}
