// api.js — the one way the page talks to truce: same-origin fetch with the party's bearer
// token (kept in sessionStorage), RFC 9457 problems turned into ApiError, cursor paging.

const KEY = 'truce.token';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem && problem.detail ? problem.detail : `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.field = this.problem.field || '';
  }
}

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

function headers(extra) {
  const h = { Accept: 'application/json', ...extra };
  const t = token.get();
  if (t) h.Authorization = `Bearer ${t}`;
  return h;
}

// Fetches path (starting with /v1/); answers the parsed JSON, or the text for non-JSON answers.
export async function api(path, { method = 'GET', body, signal, text = false } = {}) {
  const init = { method, headers: headers(body !== undefined ? { 'Content-Type': 'application/json' } : {}), signal };
  if (body !== undefined) init.body = JSON.stringify(body);
  const r = await fetch(path, init);
  if (!r.ok) {
    let problem = null;
    try { problem = await r.json(); } catch { /* not a problem body */ }
    throw new ApiError(r.status, problem);
  }
  if (text) return r.text();
  const ct = r.headers.get('Content-Type') || '';
  return ct.includes('json') ? r.json() : r.text();
}

/* global TRUCE_ROUTES */
// The documented routes and the roles each admits ("METHOD /path" -> ["admin", ...], or
// "open" / "loopback"), from docs/openapi.yaml's x-roles at build time.
const ROUTES = TRUCE_ROUTES;
let role = null;
// Whether the API documents method and path pattern ("GET", "/v1/hazards"), as built.
export const has = (method, pattern) => Object.prototype.hasOwnProperty.call(ROUTES, `${method} ${pattern}`);
// The signed-in party's role (GET /v1/me), for may().
export const setRole = (r) => { role = r; };
// Whether the signed-in party's role may call the route (the page offers nothing else).
export function may(method, pattern) {
  if (!has(method, pattern)) return false;
  const roles = ROUTES[`${method} ${pattern}`];
  return roles === 'open' || (Array.isArray(roles) && roles.includes(role));
}

// GET path when the API has pattern (capabilities that land later: hazards, lists), else
// null without a request; null too when it does not answer 200.
export async function probe(pattern, path = pattern) {
  if (!has('GET', pattern)) return null;
  try {
    const r = await fetch(path, { headers: headers() });
    if (!r.ok) return null;
    return await r.json();
  } catch {
    return null;
  }
}

// Every page of a cursor-paged list; onPage(items) is called as pages arrive.
export async function pages(path, { key = 'items', limit = 1000, onPage, signal, max = 1000 } = {}) {
  const all = [];
  let cursor = null;
  for (let i = 0; i < max; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const url = `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await api(url, { signal });
    const items = page[key] || [];
    for (const it of items) all.push(it);
    if (onPage) onPage(items, all.length);
    cursor = page.next_cursor;
    if (!cursor || items.length === 0) break;
  }
  return all;
}
