// browser.mjs — the dashboard in a real browser (Debian's chromium driven by puppeteer-core)
// against a real `truce serve` with the demo scenario and TRUCE_WEB_REPORTS (100,000)
// imported reports. Checks: no console error and no request off the server; every layer
// holds what the API answers the party; the page stays responsive while panning and
// zooming over the incidents; the time slider changes the areas as the API says; a report
// submitted through the form appears in the list and on the map, with a verified receipt;
// a notice is acknowledged from the inbox; an operation drawn on the map shows its
// conflicts; the bulletin shows the API's figures; static-file rules. Screenshots go to
// TRUCE_ARTIFACTS (default ./web-artifacts). Exit 77 (skip) only when there is no chromium.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = process.env.TRUCE_ROOT || resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = process.env.TRUCE_BIN || join(root, 'build/truce');
const artifacts = resolve(process.env.TRUCE_ARTIFACTS || 'web-artifacts');
const nReports = Number(process.env.TRUCE_WEB_REPORTS || 100000);
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
const deadline = setTimeout(() => { console.error('browser test: over its 540 s limit'); cleanup(); process.exit(1); }, 540e3);

let passed = 0, failed = 0, server = null, browser = null, work = null;
function check(name, ok, detail = '') {
  if (ok) { passed++; console.log(`ok   ${name}`); } else { failed++; console.log(`FAIL ${name} ${detail}`); }
}
function cleanup() {
  if (browser) browser.process()?.kill('SIGKILL');
  if (server) server.kill('SIGTERM');
  if (work) rmSync(work, { recursive: true, force: true });
}

if (!existsSync(chromium)) {
  spawnSync(join(root, 'scripts/deps.sh'), ['web'], { stdio: 'inherit' });
  if (!existsSync(chromium)) { console.log(`skip: no ${chromium} and it cannot be installed`); process.exit(77); }
}
const webRoot = join(root, 'web/dist');
if (!existsSync(join(webRoot, 'index.html'))) { console.error('browser test: web/dist is not built (cmake --build build)'); process.exit(1); }
const require = createRequire(join(root, 'web/package.json'));
const puppeteer = require('puppeteer-core');

// ---- the centre: scenario, reports, server ----
work = mkdtempSync(join(tmpdir(), 'truce-web-'));
const db = join(work, 'web.db');
const run = (args) => {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`truce ${args.join(' ')}: ${r.stderr}`);
  return r.stderr + r.stdout;
};
run(['import', 'scenario', join(root, 'scenarios/syria-2016-2017.json'), '--db', db, '--tokens', join(work, 'tok.tsv')]);
const tokens = Object.fromEntries(readFileSync(join(work, 'tok.tsv'), 'utf8').trim().split('\n').map((l) => { const [n, , t] = l.split('\t'); return [n, t]; }));

// Deterministic reports over Syria, January to June 2017 (a xorshift generator).
let seed = 0x9e3779b9;
const rnd = () => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed / 2 ** 32; };
const perps = ['SAA', 'Opposition', 'SDF', 'ISIS', 'Nusra'];
const lines = [];
for (let i = 0; i < nReports; i++) {
  const t = Date.UTC(2017, 0, 1) + Math.floor(rnd() * 180 * 86400) * 1000;
  lines.push(JSON.stringify({
    occurred_at: new Date(t).toISOString().replace('.000', ''), time_precision: 1, geo_precision: 1,
    location: { type: 'Point', coordinates: [+(35.8 + rnd() * 6.2).toFixed(5), +(32.4 + rnd() * 4.8).toFixed(5)] },
    event_type: 'Explosions/Remote violence', sub_event_type: 'Shelling/artillery/missile attack',
    alleged_perpetrator: perps[Math.floor(rnd() * perps.length)], source: { kind: 'monitor' },
  }));
}
writeFileSync(join(work, 'reports.ndjson'), lines.join('\n') + '\n');
let t0 = Date.now();
console.log(run(['import', 'reports', join(work, 'reports.ndjson'), '--as', 'JMC', '--db', db]).trim(), `(${Date.now() - t0} ms)`);

server = spawn(bin, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--web', webRoot, '--checkpoint-ms', '200', '--threads', '4'],
  { stdio: ['ignore', 'ignore', 'pipe'] });
const base = await new Promise((res, rej) => {
  let buf = '';
  const timer = setTimeout(() => rej(new Error('truce serve did not start')), 30000);
  server.stderr.on('data', (d) => {
    buf += d;
    const m = /listening on (http:\/\/[^\s]+)/.exec(buf);
    if (m) { clearTimeout(timer); res(m[1]); }
  });
  server.on('exit', () => rej(new Error(`truce serve exited: ${buf}`)));
});
server.stderr.resume();

const JMC = tokens.JMC;
async function apiAs(tok, path, init = {}) {
  const r = await fetch(base + path, { ...init, headers: { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json', ...(init.headers || {}) } });
  const text = await r.text();
  return { status: r.status, body: text && (r.headers.get('content-type') || '').includes('json') ? JSON.parse(text) : text };
}
async function countAll(path, key = 'items') {
  let n = 0, cursor = null;
  for (let i = 0; i < 1000; i++) {
    const r = await apiAs(JMC, `${path}${path.includes('?') ? '&' : '?'}limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
    n += r.body[key].length;
    cursor = r.body.next_cursor;
    if (!cursor) break;
  }
  return n;
}
async function areaCounts(at) {
  const r = await apiAs(JMC, `/v1/areas?limit=1000&at=${encodeURIComponent(at)}`);
  const c = {};
  for (const f of r.body.features) c[f.properties.kind] = (c[f.properties.kind] || 0) + 1;
  return c;
}

try {
  // ---- static files: the page, its assets, and the API's own 404s ----
  const idx = await fetch(base + '/');
  check('GET / serves the page as text/html, revalidated', idx.status === 200 && idx.headers.get('content-type').startsWith('text/html') && idx.headers.get('cache-control') === 'no-cache');
  const asset = /src="(\/assets\/[^"]+\.js)"/.exec(await idx.text())[1];
  const a = await fetch(base + asset, { method: 'HEAD' });
  check('HEAD of a hashed asset: JavaScript, cached a year', a.status === 200 && a.headers.get('content-type').startsWith('text/javascript') && a.headers.get('cache-control').includes('immutable'));
  for (const p of ['/v1/nope', '/%2e%2e/CMakeLists.txt', '/assets/../../CMakeLists.txt', '/.gitignore', '/metrics/x']) {
    const r = await fetch(base + p);
    check(`GET ${p} answers a 404 problem`, r.status === 404 && r.headers.get('content-type') === 'application/problem+json');
  }
  const post = await fetch(base + '/v1/health', { method: 'DELETE' });
  check('API paths keep their 405', post.status === 405);

  // ---- a site of JMC and an operation of SAA over it: a notice for JMC ----
  const site = await apiAs(JMC, '/v1/sites', { method: 'POST', body: JSON.stringify({ type: 'Feature', geometry: { type: 'Point', coordinates: [36.7, 35.93] }, properties: { kind: 'hospital', name: 'Field hospital (test)', radius_m: 300 } }) });
  const vol = { volume: { outline_circle: { center: { lat: 35.93, lng: 36.7 }, radius: { value: 2000, units: 'M' } }, altitude_lower: { value: 0, reference: 'W84', units: 'M' }, altitude_upper: { value: 3000, reference: 'W84', units: 'M' } },
    time_start: { value: '2017-12-01T06:00:00Z', format: 'RFC3339' }, time_end: { value: '2017-12-01T12:00:00Z', format: 'RFC3339' } };
  const op = await apiAs(tokens.SAA, '/v1/operations', { method: 'POST', body: JSON.stringify({ kind: 'air', volumes: [vol] }) });
  check('setup: a site and a conflicting operation', site.status === 201 && op.status === 201 && op.body.conflicts.length > 0, JSON.stringify(op.body).slice(0, 200));

  // ---- the browser ----
  mkdirSync(artifacts, { recursive: true });
  browser = await puppeteer.launch({
    executablePath: chromium, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--window-size=1280,800'],
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  const errors = [], outside = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('response', (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.request().method()} ${r.url()}`); });
  page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) outside.push(r.url()); });
  const shot = (name) => page.screenshot({ path: join(artifacts, `${name}.png`) });

  await page.goto(base + '/', { waitUntil: 'load' });
  await shot('01-signin');
  await page.type('#token', JMC);
  t0 = Date.now();
  await page.keyboard.press('Enter');
  await page.waitForSelector('body[data-ready="true"]', { timeout: 240e3 });
  const loadMs = Date.now() - t0;
  await shot('02-map');

  // Layers hold what the API answers.
  const legend = await page.$$eval('.legend li', (lis) => Object.fromEntries(lis.map((li) => [li.dataset.layer, Number(li.dataset.count)])));
  const at = await page.evaluate(() => window.truce.areasAt);
  let api = await areaCounts(at);
  for (const k of ['control', 'ceasefire_zone', 'designated', 'corridor', 'no_strike']) {
    check(`layer ${k} at ${at}: ${legend[k]} features as the API answers`, legend[k] === (api[k] || 0), `API ${api[k] || 0}`);
  }
  const incTotal = await countAll('/v1/incidents');
  check(`incidents layer holds every incident the API lists (${incTotal})`, legend.incidents === incTotal && incTotal > 0.8 * nReports, `page ${legend.incidents}`);
  console.log(`     all ${incTotal} incidents loaded and clustered in ${loadMs} ms`);
  const ops = (await apiAs(JMC, '/v1/operations?limit=1000')).body.items;
  const atMs = Date.parse(at);
  const active = ops.filter((o) => o.volumes.some((v) => Date.parse(v.time_start.value) <= atMs && atMs < Date.parse(v.time_end.value))).length;
  check(`operations layer: ${legend.operations} active at ${at}`, legend.operations === active, `API ${active}`);

  // Responsive with every incident loaded: pan and zoom, each redraw bounded.
  const times = await page.evaluate(async () => {
    const m = window.truce.view.map, out = [];
    const views = [[35, 38.5, 6], [36.2, 37.1, 9], [33.5, 36.3, 11], [35, 38.5, 7], [36.0, 39.0, 13], [35, 38.5, 5]];
    for (const [lat, lon, z] of views) {
      const t = performance.now();
      m.setView([lat, lon], z, { animate: false });
      window.truce.incidents.draw();
      await new Promise((r) => requestAnimationFrame(() => r()));
      out.push(performance.now() - t);
    }
    return out;
  });
  const worst = Math.max(...times);
  check(`pan/zoom over ${incTotal} incidents: worst frame ${worst.toFixed(0)} ms (< 1000)`, worst < 1000, times.map((x) => x.toFixed(0)).join(','));
  await shot('03-clusters');

  // The time slider, from the keyboard: Home goes to its start; then a day of the Aleppo evacuation.
  await page.focus('#time');
  await page.keyboard.press('Home');
  await page.waitForFunction((prev) => window.truce.areasAt !== prev, { timeout: 30e3 }, at);
  const at2 = await page.evaluate(() => window.truce.areasAt);
  const legend2 = await page.$$eval('.legend li', (lis) => Object.fromEntries(lis.map((li) => [li.dataset.layer, Number(li.dataset.count)])));
  api = await areaCounts(at2);
  check(`time slider at ${at2}: control areas ${legend2.control} as the API answers, and changed`, legend2.control === (api.control || 0) && legend2.control !== legend.control, `API ${api.control}, before ${legend.control}`);
  await page.evaluate(() => window.truce.setTime('2016-12-15T00:00:00Z'));
  const legend3 = await page.$$eval('.legend li', (lis) => Object.fromEntries(lis.map((li) => [li.dataset.layer, Number(li.dataset.count)])));
  api = await areaCounts('2016-12-15T00:00:00Z');
  check(`time slider at 2016-12-15: ceasefire zones ${legend3.ceasefire_zone}, corridors ${legend3.corridor} as the API answers`,
    legend3.ceasefire_zone === (api.ceasefire_zone || 0) && legend3.corridor === (api.corridor || 0) && legend3.ceasefire_zone > 0);
  await page.evaluate(() => window.truce.view.map.setView([36.2, 37.15], 11, { animate: false }));
  await shot('04-time-2016-12-15');

  // A report through the form: in the list, on the map, its receipt verified in the browser.
  await page.click('#tab-report');
  await page.$eval('[name=occurred_at]', (el) => { el.value = '2017-03-10T08:30'; });
  await page.type('[name=lon]', '37.1234');
  await page.type('[name=lat]', '36.2012');
  await page.select('[name=alleged_perpetrator]', 'SAA');
  await page.type('[name=sub_event_type]', 'Shelling/artillery/missile attack');
  await page.type('[name="fatalities.min"]', '1');
  await page.type('[name="fatalities.max"]', '3');
  await page.click('#report-form button[type=submit]');
  await page.waitForFunction(() => window.truce.lastReport, { timeout: 30e3 });
  const rep = await page.evaluate(() => window.truce.lastReport);
  await page.click('#tab-incidents');
  const inList = await page.$(`.incident-list li[data-id="${rep.incident_id}"]`);
  check(`report ${rep.id}: incident ${rep.incident_id} is in the list`, !!inList);
  const onMap = await page.evaluate((id) => window.truce.incidents.drawn.includes(id), rep.incident_id);
  check(`report ${rep.id}: incident ${rep.incident_id} is drawn on the map`, onMap);
  await page.click(`.incident-list li[data-id="${rep.incident_id}"] button`);
  await page.waitForSelector('#incident-panel .mark[data-verified]', { timeout: 30e3 });
  const verified = await page.$eval('#incident-panel .mark[data-verified]', (el) => el.dataset.verified);
  check('the report\'s log receipt is verified in the browser (SHA-256 proof, Ed25519 checkpoint)', verified === 'true',
    await page.$eval('#incident-panel .mark', (el) => el.textContent));
  await shot('05-incident-panel');

  // A notice acknowledged from the inbox.
  await page.click('#tab-inbox');
  await page.waitForSelector('.notices li[data-notice] button', { timeout: 30e3 });
  const nid = await page.$eval('.notices li[data-notice] button', (b) => b.closest('li').dataset.notice);
  await shot('06-inbox');
  await page.click(`.notices li[data-notice="${nid}"] button`);
  await page.waitForSelector(`.notices li[data-notice="${nid}"].acked`, { timeout: 30e3 });
  const fromApi = (await apiAs(JMC, '/v1/notices?after=0&limit=1000')).body.items.find((n) => String(n.id) === nid);
  check(`notice ${nid} acknowledged from the inbox (the API says so)`, fromApi && fromApi.acked_at !== null);

  // An operation drawn on the map over JMC's site: its conflicts at once.
  await page.evaluate(() => window.truce.setTime('2017-12-01T09:00:00Z'));
  await page.evaluate(() => window.truce.view.map.setView([35.93, 36.7], 12, { animate: false }));
  await page.click('#tab-notify');
  await page.select('#notify-form [name=kind]', 'operation');
  await page.$eval('#notify-form [name=time_start]', (el) => { el.value = '2017-12-01T08:00'; });
  await page.$eval('#notify-form [name=time_end]', (el) => { el.value = '2017-12-01T10:00'; });
  await page.click('#notify-form .row button');
  const pt = await page.evaluate(() => {
    const m = window.truce.view.map, p = m.latLngToContainerPoint([35.931, 36.701]), r = m.getContainer().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  });
  await page.mouse.click(pt.x, pt.y);
  await page.click('#notify-form button[type=submit]');
  await page.waitForSelector('#notify-result ul.conflicts, #notify-result p.ok', { timeout: 30e3 });
  const conflicts = await page.$$eval('#notify-result ul.conflicts li', (lis) => lis.map((li) => li.textContent));
  check(`an operation drawn on the map shows its conflicts (${conflicts.length})`, conflicts.some((c) => c.startsWith(`site ${site.body.properties ? site.body.properties.id : site.body.id}`)), conflicts.join(' | '));
  const legend4 = await page.$$eval('.legend li', (lis) => Object.fromEntries(lis.map((li) => [li.dataset.layer, Number(li.dataset.count)])));
  check('the new operation is on the operations layer (2 active at 09:00)', legend4.operations === 2, `${legend4.operations}`);
  await shot('07-notify-operation');

  // The bulletin: the API's figures and the charts.
  await page.click('#nav button[data-view=bulletin]');
  await page.waitForSelector('#chart-days', { timeout: 30e3 });
  const bday = await page.$eval('#bulletin-date', (el) => el.value);
  const b = (await apiAs(JMC, `/v1/bulletins/${bday}?format=json`)).body;
  const shown = await page.$eval('#fig-violations .big', (el) => el.textContent);
  check(`bulletin ${bday}: ${shown} violations as the API answers`, shown === b.violations.today.toLocaleString('en'), `API ${b.violations.today}`);
  const rows = await page.$$eval('.card table', (ts) => ts.length);
  const mapHidden = await page.$eval('#view-map', (el) => getComputedStyle(el).display === 'none');
  check('bulletin tables and charts are shown, the map view hidden', rows >= 4 && !!(await page.$('#chart-regions')) && mapHidden);
  await shot('08-bulletin');

  // Phone width, keyboard: the sign-out button is reachable, nothing overflows sideways.
  await page.setViewport({ width: 390, height: 844 });
  await page.click('#nav button[data-view=map]');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check('readable at phone width (no sideways scroll)', overflow <= 1, `${overflow}px`);
  await shot('09-phone');
  const unlabelled = await page.$$eval('input, select, textarea', (els) => els.filter((e) => e.type !== 'hidden' && !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map((e) => e.name || e.id));
  check('every form field has a label', unlabelled.length === 0, unlabelled.join(','));

  check('no console errors', errors.length === 0, errors.join(' | ').slice(0, 500));
  check('no request outside the server', outside.length === 0, outside.slice(0, 5).join(' '));
} catch (e) {
  failed++;
  console.log(`FAIL ${e.stack || e}`);
}
cleanup();
clearTimeout(deadline);
console.log(`screenshots in ${artifacts}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
