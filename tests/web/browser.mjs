// browser.mjs — the dashboard in a real browser (Debian's chromium driven by puppeteer-core)
// against a real `truce serve` with the demo scenario and TRUCE_WEB_REPORTS (100,000)
// imported reports. Checks: no console error and no request off the server; every layer
// holds what the API answers the party; the page stays responsive while panning and
// zooming over the incidents; the time slider changes the areas as the API says; a report
// submitted through the form appears in the list and on the map, with a verified receipt;
// a busy incident's panel pages its reports; a notice is acknowledged from the inbox; an operation drawn on the map shows its
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


  // ---- a convoy across SAA and Opposition ground (SAA acknowledges, Opposition not yet), a
  // corridor with an opening, a suspension, a resumption and two crossing counts, and steps of
  // the Aleppo evacuation agreement (one done) ----
  const mv = await apiAs(tokens['UN-OCHA'], '/v1/movements', { method: 'POST', body: JSON.stringify({ type: 'Feature',
    geometry: { type: 'LineString', coordinates: [[37.05, 36.2], [37.15, 36.21], [37.22, 36.2]] },
    properties: { kind: 'convoy', name: 'Aid convoy (test)', width_m: 500, time_start: '2017-12-02T06:00:00Z', time_end: '2017-12-02T18:00:00Z', status: 'planned',
      schedule: [{ position: [37.05, 36.2], at: '2017-12-02T06:00:00Z' }, { position: [37.22, 36.2], at: '2017-12-02T12:00:00Z' }] } }) });
  const mvId = mv.body.properties && mv.body.properties.id;
  const saaNotice = (await apiAs(tokens.SAA, '/v1/notices?after=0&limit=1000')).body.items.find((n) => n.about && n.about.type === 'movement' && n.about.id === mvId);
  const mvAck = saaNotice && await apiAs(tokens.SAA, `/v1/notices/${saaNotice.id}/ack`, { method: 'POST', body: '{}' });
  const mvGo = await apiAs(tokens['UN-OCHA'], `/v1/movements/${mvId}/status`, { method: 'POST', body: JSON.stringify({ status: 'en_route', reason: 'left the warehouse' }) });
  const mvPos = await apiAs(tokens['UN-OCHA'], `/v1/movements/${mvId}/position`, { method: 'POST', body: JSON.stringify({ position: [37.1, 36.205] }) });
  check('setup: a movement, acknowledged by SAA, en route with a position', mv.status === 201 && mvAck && mvAck.status === 200 && mvGo.status === 200 && mvPos.status === 200,
    `${mv.status} ${mvAck && mvAck.status} ${mvGo.status} ${mvPos.status}`);
  const corridorId = (await apiAs(JMC, '/v1/areas?limit=1000')).body.features.find((f) => f.properties.kind === 'corridor' && f.properties.name.startsWith('Ramouseh')).properties.id;
  const cw = [
    await apiAs(JMC, `/v1/corridors/${corridorId}/openings`, { method: 'POST', body: JSON.stringify({ from: '2016-12-15T06:00:00Z', to: '2016-12-22T20:00:00Z', note: 'evacuation' }) }),
    await apiAs(JMC, `/v1/corridors/${corridorId}/suspensions`, { method: 'POST', body: JSON.stringify({ from: '2016-12-16T10:00:00Z', reason: 'shooting at the crossing' }) }),
    await apiAs(JMC, `/v1/corridors/${corridorId}/resumptions`, { method: 'POST', body: JSON.stringify({ at: '2016-12-18T12:00:00Z', reason: 'buses move again' }) }),
    await apiAs(tokens.SARC, `/v1/corridors/${corridorId}/crossings`, { method: 'POST', body: JSON.stringify({ date: '2016-12-15', count: 2700, source: { kind: 'party' } }) }),
    await apiAs(JMC, `/v1/corridors/${corridorId}/crossings`, { method: 'POST', body: JSON.stringify({ date: '2016-12-15', count: 3000, source: { kind: 'monitor' } }) }),
    await apiAs(JMC, `/v1/corridors/${corridorId}/crossings`, { method: 'POST', body: JSON.stringify({ date: '2016-12-19', count: 8000, source: { kind: 'monitor' } }) }),
  ];
  check(`setup: corridor ${corridorId} opened, suspended, resumed, crossings counted`, cw.every((r) => r.status === 201), cw.map((r) => r.status).join(','));
  const agrId = (await apiAs(JMC, '/v1/agreements')).body.items.find((x) => x.name.startsWith('Eastern Aleppo')).id;
  const steps = await apiAs(JMC, `/v1/agreements/${agrId}/steps`, { method: 'POST', body: JSON.stringify({ steps: [
    { key: 'a', title: 'Open the corridor', responsible: 'SAA', provision: 3, deadline: '2016-12-15T06:00:00Z' },
    { key: 'b', title: 'Evacuate the fighters', responsible: 'Opposition', provision: 8, deadline: '2016-12-22T00:00:00Z', depends_on: ['a'] },
    { key: 'c', title: 'Clear the mines', responsible: 'IMAC', deadline: '2016-12-31T00:00:00Z', depends_on: ['b'] }] }) });
  const step1 = steps.body.steps && steps.body.steps[0].id;
  const done = await apiAs(tokens.SAA, `/v1/steps/${step1}/status`, { method: 'POST', body: JSON.stringify({ status: 'done', at: '2016-12-15T05:00:00Z', reason: 'corridor open at dawn' }) });
  check(`setup: steps of agreement ${agrId}, the first done`, steps.status === 201 && done.status === 201, `${steps.status} ${done.status} ${JSON.stringify(done.body).slice(0, 200)}`);

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

  // A busy incident (issue 11): 120 reports at one place and time. Its panel counts them from
  // the incident's summary, lists the first page, and "More reports" pages in the rest.
  const busy = [];
  for (let i = 0; i < 120; i++) {
    busy.push((await apiAs(JMC, '/v1/reports', { method: 'POST', body: JSON.stringify({
      occurred_at: '2017-07-01T10:00:00Z', time_precision: 1, geo_precision: 1, location: { type: 'Point', coordinates: [38.5, 35.5] },
      event_type: 'Explosions/Remote violence', sub_event_type: 'Shelling/artillery/missile attack', source: { kind: 'monitor' } }) })).body);
  }
  const busyId = busy[0].incident_id;
  check('120 reports at one place and time make one incident', busy.every((r) => r.incident_id === busyId));
  await page.evaluate((id) => window.truce.incidents.onOpen(id), busyId);
  await page.waitForSelector('#incident-panel .more-reports:not([hidden])', { timeout: 30e3 });
  const busyHead = await page.$eval('#incident-panel h4', (el) => el.textContent);
  const firstPage = await page.$$eval('#incident-panel ul.reports li', (l) => l.length);
  await page.click('#incident-panel .more-reports');
  await page.waitForFunction(() => document.querySelectorAll('#incident-panel ul.reports li').length === 120
    && document.querySelector('#incident-panel .more-reports').hidden, { timeout: 30e3 });
  check('a busy incident\'s panel: its count from the summary, a first page of 100, then the rest on demand',
    busyHead === 'Reports (120)' && firstPage === 100, `${busyHead}, ${firstPage}`);

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


  // The operation's panel (a click on it on the map): JMC owns it, activates it from the panel
  // and sees its conflicts re-checked, then ends it; the API says so.
  const myOp = (await apiAs(JMC, '/v1/operations?limit=1000')).body.items.filter((o) => o.owner === 'JMC').pop();
  const opPt = await page.evaluate(() => {
    const m = window.truce.view.map, p = m.latLngToContainerPoint([35.937, 36.701]), r = m.getContainer().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  });
  await page.click('#notify-form .row button[aria-pressed="true"]').catch(() => {}); // stop drawing
  await page.mouse.click(opPt.x, opPt.y);
  await page.waitForSelector(`#details-title[data-kind="operation"][data-id="${myOp.id}"]`, { timeout: 30e3 });
  check(`operation ${myOp.id}: a click on the map opens its panel, state ${myOp.state} as the API answers`,
    (await page.$eval('.op-state-now', (el) => el.dataset.state)) === myOp.state);
  await page.click('.op-state button[data-state="active"]');
  await page.waitForSelector('.op-result[data-state="active"]', { timeout: 30e3 });
  const reChecked = await page.$$eval('.op-result ul.conflicts li', (lis) => lis.map((li) => li.textContent));
  const siteId = site.body.properties ? site.body.properties.id : site.body.id;
  let opApi = (await apiAs(JMC, `/v1/operations/${myOp.id}`)).body;
  check(`operation ${myOp.id} activated from its panel: active in the API, the re-checked conflicts shown (${reChecked.length})`,
    opApi.state === 'active' && reChecked.some((c) => c.startsWith(`site ${siteId}`)), `${opApi.state} ${reChecked.join(' | ')}`);
  await shot('08-operation-active');
  await page.click('.op-state button[data-state="ended"]');
  await page.waitForSelector('.op-state-now[data-state="ended"]', { timeout: 30e3 });
  opApi = (await apiAs(JMC, `/v1/operations/${myOp.id}`)).body;
  const opHist = await page.$$eval('.op-history tbody tr', (trs) => trs.length);
  check(`operation ${myOp.id} ended: history of ${opHist} changes as the API answers, no buttons left`,
    opApi.state === 'ended' && opHist === opApi.history.length && opHist === 2 && !(await page.$('.op-state button')), `${opApi.state} ${opHist}`);

  // Movements: the layer holds every movement the API lists, those not cleared drawn apart;
  // the panel (opened from the keyboard) shows status, position, schedule, history, clearance.
  const mvList = (await apiAs(JMC, '/v1/movements?limit=1000')).body.features;
  const mvDrawn = await page.evaluate(() => window.truce.deconf.movementLayer.getLayers().map((l) => [l.feature.properties.id, l.options.className === 'not-cleared']));
  const mvExpect = mvList.map((f) => [f.properties.id, f.properties.cleared === false]);
  check(`movements layer: ${mvDrawn.length} movements, not cleared ones styled apart, as the API answers`,
    JSON.stringify(mvDrawn.sort()) === JSON.stringify(mvExpect.sort()) && mvExpect.some(([, nc]) => nc), `${JSON.stringify(mvDrawn)} vs ${JSON.stringify(mvExpect)}`);
  await page.select('#details-form [name=detail_kind]', 'movement');
  await page.focus('#details-form [name=detail_id]');
  await page.keyboard.type(String(mvId));
  await page.keyboard.press('Enter');
  await page.waitForSelector(`#details-title[data-kind="movement"][data-id="${mvId}"]`, { timeout: 30e3 });
  const mvApi = (await apiAs(JMC, `/v1/movements/${mvId}`)).body.properties;
  const mvShown = await page.evaluate(() => ({
    status: document.querySelector('.m-status').dataset.status,
    cleared: document.querySelector('.clearance').dataset.cleared,
    missing: [...document.querySelectorAll('.missing li')].map((li) => li.textContent),
    acks: document.querySelectorAll('.m-acks tbody tr').length,
    history: document.querySelectorAll('.m-history tbody tr').length,
    schedule: document.querySelectorAll('.m-schedule tbody tr').length,
    position: (document.querySelector('.m-position') || {}).textContent || '',
  }));
  check(`movement ${mvId} panel: ${mvShown.status}, cleared ${mvShown.cleared}, missing ${mvShown.missing.join(',')} as the API answers`,
    mvShown.status === mvApi.status && mvShown.cleared === String(mvApi.cleared) && JSON.stringify(mvShown.missing) === JSON.stringify(mvApi.clearance.missing) &&
    mvShown.missing.includes('Opposition') && !mvShown.missing.includes('SAA') && mvShown.acks === mvApi.clearance.acknowledgements.length &&
    mvShown.history === mvApi.history.length && mvShown.schedule === mvApi.schedule.length && mvShown.position.includes(mvApi.position.at), JSON.stringify(mvShown));
  await shot('09-movement');

  // A corridor at the slider's time: suspended on 17 December, open again on the 19th.
  await page.evaluate(() => window.truce.setTime('2016-12-17T00:00:00Z'));
  await page.select('#details-form [name=detail_kind]', 'corridor');
  await page.$eval('#details-form [name=detail_id]', (el) => { el.value = ''; });
  await page.type('#details-form [name=detail_id]', String(corridorId));
  await page.click('#details-form button[type=submit]');
  await page.waitForSelector(`#details-title[data-kind="corridor"][data-id="${corridorId}"]`, { timeout: 30e3 });
  let cApi = (await apiAs(JMC, `/v1/corridors/${corridorId}?at=2016-12-17T00:00:00Z`)).body;
  let cShown = await page.$eval('.c-status', (el) => el.dataset.status);
  const cTot = await page.$eval('.c-totals', (el) => [Number(el.dataset.low), Number(el.dataset.high)]);
  const cDays = await page.$$eval('.c-days tbody tr', (trs) => trs.length);
  check(`corridor ${corridorId} at 2016-12-17: ${cShown}, ${cDays} days, ${cTot.join('–')} people as the API answers`,
    cShown === cApi.status && cShown === 'suspended' && cTot[0] === cApi.crossings.totals.low && cTot[1] === cApi.crossings.totals.high && cDays === cApi.crossings.days.length);
  await page.evaluate(() => window.truce.setTime('2016-12-19T12:00:00Z'));
  await page.waitForFunction(() => (window.truce.detailsShown || '').endsWith('@2016-12-19T12:00:00Z'), { timeout: 30e3 });
  cApi = (await apiAs(JMC, `/v1/corridors/${corridorId}?at=2016-12-19T12:00:00Z`)).body;
  cShown = await page.$eval('.c-status', (el) => el.dataset.status);
  check(`corridor ${corridorId} follows the slider: ${cShown} on 2016-12-19 as the API answers`, cShown === cApi.status && cShown === 'open');
  await shot('10-corridor');

  // Territory at the slider's time, and its change over the month before.
  await page.click('#tab-territory');
  await page.waitForSelector('#territory-table tbody tr', { timeout: 30e3 });
  const terr = (await apiAs(JMC, '/v1/territory?at=2016-12-19T12:00:00Z')).body;
  const terrShown = await page.$$eval('#territory-table tbody tr', (trs) => Object.fromEntries(trs.map((tr) => [tr.dataset.party, JSON.parse(tr.dataset.km2)])));
  check(`territory at 2016-12-19T12:00Z: ${Object.keys(terrShown).length} parties, km² as the API answers`,
    JSON.stringify(terrShown) === JSON.stringify(Object.fromEntries(Object.keys(terr.parties).sort().map((k) => [k, terr.parties[k]]))) && Object.keys(terrShown).length > 1);
  await page.$eval('#territory-form [name=from]', (el) => { el.value = '2016-11-01'; });
  await page.$eval('#territory-form [name=to]', (el) => { el.value = '2016-12-20'; });
  await page.click('#territory-form button[type=submit]');
  await page.waitForSelector('#territory-change-table tbody tr', { timeout: 30e3 });
  const tch = (await apiAs(JMC, '/v1/territory?from=2016-11-01T00:00:00Z&to=2016-12-20T00:00:00Z')).body;
  const tchShown = await page.$$eval('#territory-change-table tbody tr', (trs) => Object.fromEntries(trs.map((tr) => [tr.dataset.party, JSON.parse(tr.dataset.km2)])));
  check(`territory change 2016-11-01 → 2016-12-20 as the API answers (SAA ${tch.parties.SAA ? Math.round(tch.parties.SAA.change_km2) : '?'} km²)`,
    Object.keys(tch.parties).every((k) => JSON.stringify(tchShown[k]) === JSON.stringify(tch.parties[k])) && Object.keys(tchShown).length === Object.keys(tch.parties).length &&
    tch.parties.SAA && Math.abs(tch.parties.SAA.change_km2) > 1);
  await shot('11-territory');

  // The agreement's timeline page: steps, statuses, deadlines, scores as the API answers at that time.
  await page.click('#nav button[data-view=agreements]');
  await page.waitForSelector('#agreement-form', { timeout: 30e3 });
  await page.select('#agreement-form [name=agreement]', String(agrId));
  await page.waitForSelector(`#timeline h3[data-agreement="${agrId}"]`, { timeout: 30e3 });
  const tlAt = await page.$eval('#agreement-form [name=at]', (el) => `${el.value}:00Z`);
  const tl = (await apiAs(JMC, `/v1/agreements/${agrId}/timeline?at=${encodeURIComponent(tlAt)}`)).body;
  const tlShown = await page.evaluate(() => ({
    percent: document.getElementById('tl-score').dataset.percent,
    score: document.getElementById('tl-score').dataset.score,
    steps: [...document.querySelectorAll('#tl-steps > tbody > tr')].map((tr) => [Number(tr.dataset.step), tr.querySelector('[data-status]').dataset.status]),
    provisions: [...document.querySelectorAll('#tl-provisions tbody tr')].map((tr) => [Number(tr.dataset.seq), tr.querySelector('[data-status]').dataset.status, Number(tr.querySelector('[data-score]').dataset.score)]),
  }));
  check(`agreement ${agrId} timeline at ${tlAt}: ${tlShown.percent}%, ${tlShown.steps.length} steps, ${tlShown.provisions.length} provisions as the API answers`,
    tlShown.percent === String(tl.percent) && tlShown.score === String(tl.score) && tl.steps.length === 3 &&
    JSON.stringify(tlShown.steps) === JSON.stringify(tl.steps.map((x) => [x.id, x.status])) &&
    JSON.stringify(tlShown.provisions) === JSON.stringify(tl.provisions.map((x) => [x.seq, x.status, x.score])) && tl.steps[0].status === 'done',
  JSON.stringify(tlShown).slice(0, 300));
  await shot('12-agreement-timeline');

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
  await shot('13-bulletin');

  // Phone width, keyboard: the sign-out button is reachable, nothing overflows sideways.
  await page.setViewport({ width: 390, height: 844 });
  await page.click('#nav button[data-view=map]');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check('readable at phone width (no sideways scroll)', overflow <= 1, `${overflow}px`);
  await shot('14-phone');
  const unlabelled = await page.$$eval('input, select, textarea', (els) => els.filter((e) => e.type !== 'hidden' && !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map((e) => e.name || e.id));
  check('every form field has a label', unlabelled.length === 0, unlabelled.join(','));

  // An observer sees an operation's state and history but no buttons to change it.
  const page2 = await browser.newPage();
  page2.on('console', (m) => { if (m.type() === 'error') errors.push(`observer: ${m.text()}`); });
  page2.on('pageerror', (e) => errors.push(`observer: ${e}`));
  page2.on('response', (r) => { if (r.status() >= 400) errors.push(`observer: ${r.status()} ${r.request().method()} ${r.url()}`); });
  await page2.goto(base + '/', { waitUntil: 'load' });
  await page2.type('#token', tokens.Kazakhstan);
  await page2.keyboard.press('Enter');
  await page2.waitForSelector('body[data-ready="true"]', { timeout: 240e3 });
  await page2.evaluate((id) => window.truce.showDetails('operation', id), op.body.id);
  const obs = await page2.evaluate(() => ({ state: document.querySelector('.op-state-now').dataset.state, buttons: document.querySelectorAll('.op-state button').length }));
  const opNow = (await apiAs(tokens.Kazakhstan, `/v1/operations/${op.body.id}`)).body;
  check(`an observer sees operation ${op.body.id} ${obs.state} (as the API answers) with no buttons to change it`, obs.state === opNow.state && obs.buttons === 0, JSON.stringify(obs));
  await page2.close();

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
