// browser.mjs — the dashboard in a real browser (Debian's chromium driven by puppeteer-core)
// against a real `truce serve` with the demo scenario and TRUCE_WEB_REPORTS (100,000)
// imported reports. It checks each point of the dashboard's issues (7 and 17):
//   the base map (places labelled by zoom in English and Arabic, governorates, no border
//   drawn through Syria's territory, no flag), every layer as the API answers it at the
//   map's time, the time bar (date box, day steps), forms that cannot file nonsense
//   (location and time, defaults from the map, the source by role, pick and draw that end
//   cleanly and never change the panel), notices one can act on, the monitor's work
//   (verdict, split, merge, responses, hazards, tasks, progress, messages, corridor events),
//   three languages (every view in each, dir=rtl for Arabic, no untranslated key, no
//   null/undefined/NaN), the role of the signed-in party, keyboard access, axe-core with no
//   serious or critical violation, static-file rules, no console error, no request off the
//   server; a busy incident's panel counts its reports from the summary and pages them. Screenshots of each view in each language go to TRUCE_ARTIFACTS.
// Exit 77 (skip) only when there is no chromium.
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
const LANGS = ['en', 'ar', 'ru'];

let passed = 0, failed = 0, server = null, browser = null, work = null, hidden404 = 0;
const began = Date.now();
const witnesses = [];
function check(name, ok, detail = '') {
  const at = `[${((Date.now() - began) / 1000).toFixed(0).padStart(3)} s]`;
  if (ok) { passed++; console.log(`ok   ${at} ${name}`); } else { failed++; console.log(`FAIL ${at} ${name} ${detail}`); }
}
function cleanup() {
  if (browser) browser.process()?.kill('SIGKILL');
  if (server) server.kill('SIGTERM');
  for (const w of witnesses) w.kill('SIGTERM');
  if (work) rmSync(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }); // chromium may still be writing its profile
}

if (!existsSync(chromium)) {
  spawnSync(join(root, 'scripts/deps.sh'), ['web'], { stdio: 'inherit' });
  if (!existsSync(chromium)) { console.log(`skip: no ${chromium} and it cannot be installed`); process.exit(77); }
}
const webRoot = join(root, 'web/dist');
if (!existsSync(join(webRoot, 'index.html'))) { console.error('browser test: web/dist is not built (cmake --build build)'); process.exit(1); }
const require = createRequire(join(root, 'web/package.json'));
const puppeteer = require('puppeteer-core');
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

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

// Spawns `truce ARGS` and waits (bounded) for the "listening on" line of its stderr.
function listening(args) {
  const p = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((res, rej) => {
    let buf = '';
    const timer = setTimeout(() => rej(new Error(`truce ${args[0]} did not start`)), 30000);
    p.stderr.on('data', (d) => {
      buf += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(buf);
      if (m) { clearTimeout(timer); p.stderr.resume(); res({ p, url: m[1], log: buf }); }
    });
  });
}
// Two witnesses cosign the log (issue 15): a first start creates the log's key.
const first = await listening(['serve', '--db', db, '--listen', '127.0.0.1:0', '--web', 'none']);
const logKey = /verifier key (\S+)/.exec(first.log)[1];
await new Promise((res) => { first.p.on('exit', res); first.p.kill('SIGTERM'); });
const witnessArgs = [], witnessKeys = [];
for (const name of ['w1.web.test/w', 'w2.web.test/w']) {
  const key = join(work, `${name.split('.')[0]}.key`);
  witnessKeys.push(run(['witness', 'key', key, '--name', name]).trim().split('\n').pop());
  const w = await listening(['witness', 'serve', '--key', key, '--log', logKey, '--listen', '127.0.0.1:0']);
  witnesses.push(w.p);
  witnessArgs.push('--witness', `${w.url}=${witnessKeys[witnessKeys.length - 1]}`);
}
server = spawn(bin, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--web', webRoot, '--checkpoint-ms', '200', '--threads', '4',
  ...witnessArgs, '--quorum', '2'], { stdio: ['ignore', 'ignore', 'pipe'] });
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
const post = (tok, path, body) => apiAs(tok, path, { method: 'POST', body: JSON.stringify(body) });
async function listAll(path, key = 'items') {
  const all = [];
  let cursor = null;
  for (let i = 0; i < 1000; i++) {
    const r = await apiAs(JMC, `${path}${path.includes('?') ? '&' : '?'}limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
    all.push(...r.body[key]);
    cursor = r.body.next_cursor;
    if (!cursor) break;
  }
  return all;
}
async function areaCounts(at) {
  const r = await apiAs(JMC, `/v1/areas?limit=1000&at=${encodeURIComponent(at)}`);
  const c = {};
  for (const f of r.body.features) c[f.properties.kind] = (c[f.properties.kind] || 0) + 1;
  return c;
}
const logSize = async () => Number((await fetch(`${base}/v1/log/checkpoint`).then((r) => r.text())).split('\n')[1]);
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

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
  check('API paths keep their 405', (await fetch(base + '/v1/health', { method: 'DELETE' })).status === 405);

  // ---- setup through the API ----
  // A site of JMC and an operation of SAA over it: a conflict notice for JMC.
  const site = await post(JMC, '/v1/sites', { type: 'Feature', geometry: { type: 'Point', coordinates: [36.7, 35.93] }, properties: { kind: 'hospital', name: 'Field hospital (test)', radius_m: 300, valid_from: '2017-01-01T00:00:00Z' } });
  const siteId = site.body.properties ? site.body.properties.id : site.body.id;
  const vol = { volume: { outline_circle: { center: { lat: 35.93, lng: 36.7 }, radius: { value: 2000, units: 'M' } }, altitude_lower: { value: 0, reference: 'W84', units: 'M' }, altitude_upper: { value: 3000, reference: 'W84', units: 'M' } },
    time_start: { value: '2017-12-01T06:00:00Z', format: 'RFC3339' }, time_end: { value: '2017-12-01T12:00:00Z', format: 'RFC3339' } };
  const op = await post(tokens.SAA, '/v1/operations', { kind: 'air', volumes: [vol] });
  // A checkpoint of SAA's away from the convoy's route (issue 12): on the map as the API answers.
  const cpt = await post(tokens.SAA, '/v1/checkpoints', { type: 'Feature', geometry: { type: 'Point', coordinates: [36.5, 35.5] }, properties: { name: 'Checkpoint (test)' } });
  check('setup: a checkpoint', cpt.status === 201, JSON.stringify(cpt.body).slice(0, 200));
  check('setup: a site and a conflicting operation', site.status === 201 && op.status === 201 && op.body.conflicts.length > 0, JSON.stringify(op.body).slice(0, 200));
  // A convoy across SAA and Opposition ground (SAA acknowledges, Opposition not yet).
  const mv = await post(tokens['UN-OCHA'], '/v1/movements', { type: 'Feature',
    geometry: { type: 'LineString', coordinates: [[37.05, 36.2], [37.15, 36.21], [37.22, 36.2]] },
    properties: { kind: 'convoy', name: 'Aid convoy (test)', width_m: 500, time_start: '2017-12-02T06:00:00Z', time_end: '2017-12-02T18:00:00Z', status: 'planned',
      visibility: ['JMC'], schedule: [{ position: [37.05, 36.2], at: '2017-12-02T06:00:00Z' }, { position: [37.22, 36.2], at: '2017-12-02T12:00:00Z' }],
      cargo: [{ kind: 'food', tonnes: 120.5 }, { kind: 'medical', tonnes: 4.2 }], organisations: ['WFP', 'SARC'], vehicles: 31, personnel: 62 } });
  const mvId = mv.body.properties && mv.body.properties.id;
  const saaNotice = (await apiAs(tokens.SAA, '/v1/notices?after=0&limit=1000')).body.items.find((n) => n.about && n.about.type === 'movement' && n.about.id === mvId);
  const mvAck = saaNotice && await post(tokens.SAA, `/v1/notices/${saaNotice.id}/ack`, {});
  const mvGo = await post(tokens['UN-OCHA'], `/v1/movements/${mvId}/status`, { status: 'en_route', reason: 'left the warehouse' });
  const mvPos = await post(tokens['UN-OCHA'], `/v1/movements/${mvId}/position`, { position: [37.1, 36.205] });
  check('setup: a movement, acknowledged by SAA, en route with a position', mv.status === 201 && mvAck && mvAck.status === 200 && mvGo.status === 200 && mvPos.status === 200,
    `${mv.status} ${mvAck && mvAck.status} ${mvGo.status} ${mvPos.status}`);
  const corridorId = (await apiAs(JMC, '/v1/areas?limit=1000')).body.features.find((f) => f.properties.kind === 'corridor' && f.properties.name.startsWith('Ramouseh')).properties.id;
  const cw = [
    await post(JMC, `/v1/corridors/${corridorId}/openings`, { from: '2016-12-15T06:00:00Z', to: '2016-12-22T20:00:00Z', note: 'evacuation' }),
    await post(JMC, `/v1/corridors/${corridorId}/suspensions`, { from: '2016-12-16T10:00:00Z', reason: 'shooting at the crossing' }),
    await post(JMC, `/v1/corridors/${corridorId}/resumptions`, { at: '2016-12-18T12:00:00Z', reason: 'buses move again' }),
    await post(tokens.SARC, `/v1/corridors/${corridorId}/crossings`, { date: '2016-12-15', count: 2700, source: { kind: 'party' } }),
    await post(JMC, `/v1/corridors/${corridorId}/crossings`, { date: '2016-12-15', count: 3000, source: { kind: 'monitor' } }),
  ];
  check(`setup: corridor ${corridorId} opened, suspended, resumed, crossings counted`, cw.every((r) => r.status === 201), cw.map((r) => r.status).join(','));
  const agrId = (await apiAs(JMC, '/v1/agreements')).body.items.find((x) => x.name.startsWith('Eastern Aleppo')).id;
  const steps = await post(JMC, `/v1/agreements/${agrId}/steps`, { steps: [
    { key: 'a', title: 'Open the corridor', responsible: 'SAA', provision: 3, deadline: '2016-12-15T06:00:00Z' },
    { key: 'b', title: 'Evacuate the fighters', responsible: 'Opposition', provision: 8, deadline: '2016-12-22T00:00:00Z', depends_on: ['a'] },
    { key: 'c', title: 'Clear the mines', responsible: 'IMAC', deadline: '2016-12-31T00:00:00Z', depends_on: ['b'] }] });
  const done = await post(tokens.SAA, `/v1/steps/${steps.body.steps && steps.body.steps[0].id}/status`, { status: 'done', at: '2016-12-15T05:00:00Z', reason: 'corridor open at dawn' });
  check(`setup: steps of agreement ${agrId}, the first done`, steps.status === 201 && done.status === 201, `${steps.status} ${done.status}`);
  // A hazard in Palmyra with a clearance task (IMAC), a message from Russia to JMC, two
  // reports of one shelling (one incident, to split), and a convoy three days ahead.
  const hz = await post(tokens.IMAC, '/v1/hazards', { type: 'Feature', geometry: { type: 'Polygon', coordinates: [[[38.26, 34.55], [38.28, 34.55], [38.28, 34.565], [38.26, 34.565], [38.26, 34.55]]] },
    properties: { kind: 'CHA', name: 'Palmyra old town (test)', contamination: ['AP mine', 'IED'] } });
  const hzId = hz.body.properties && hz.body.properties.id;
  const task = await post(tokens.IMAC, '/v1/tasks', { hazard_id: hzId, kind: 'clearance', operator: 'IMAC', start: '2017-03-28', contributors: ['JMC'] });
  const msg = await post(tokens.Russia, '/v1/messages', { to: 'JMC', kind: 'proposal', subject: 'Humanitarian pause', text: 'A pause of 48 hours in eastern Ghouta.' });
  const twin = { occurred_at: '2017-03-10T08:00:00Z', time_precision: 1, geo_precision: 1, location: { type: 'Point', coordinates: [36.4, 33.57] },
    event_type: 'Explosions/Remote violence', sub_event_type: 'Shelling/artillery/missile attack', alleged_perpetrator: 'SAA', source: { kind: 'monitor' } };
  const r1 = await post(JMC, '/v1/reports', twin), r2 = await post(tokens.Opposition, '/v1/reports', { ...twin, occurred_at: '2017-03-10T08:20:00Z', source: { kind: 'party' } });
  const ahead = Math.floor(Date.now() / 3600e3) * 3600e3 + 3 * 86400e3;
  const future = await post(tokens['UN-OCHA'], '/v1/movements', { type: 'Feature', geometry: { type: 'LineString', coordinates: [[36.3, 33.5], [36.4, 33.55]] },
    properties: { kind: 'convoy', name: 'Ghouta convoy (test)', width_m: 300, time_start: iso(ahead), time_end: iso(ahead + 8 * 3600e3), visibility: ['JMC'] } });
  check('setup: a hazard with a task, a message, two reports of one event, a convoy three days ahead',
    hz.status === 201 && task.status === 201 && msg.status === 201 && r1.status === 201 && r2.status === 201 && r1.body.incident_id === r2.body.incident_id && future.status === 201,
    `${hz.status} ${task.status} ${msg.status} ${r1.status} ${r2.status} ${future.status}`);
  const twinIncident = r1.body.incident_id;

  // Every incident with its time (the incidents layer follows the map's time).
  const incidentTimes = (await listAll('/v1/incidents')).map((x) => Date.parse(x.occurred_at));
  const incidentsUpTo = (ms) => incidentTimes.filter((x) => x <= ms).length;

  // ---- the browser ----
  mkdirSync(artifacts, { recursive: true });
  browser = await puppeteer.launch({
    executablePath: chromium, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--window-size=1280,800'],
  });
  const errors = [], outside = [];
  const watch = (p, who) => {
    p.on('console', (m) => {
      if (m.type() === 'error' && /status of 404/.test(m.text()) && who !== 'JMC') return; // the hidden report above
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`${who}: ${m.text()}`);
    });
    p.on('pageerror', (e) => errors.push(`${who}: ${e}`));
    p.on('response', (r) => {
      // Another party's report answers 404, exactly like a missing one (the API's rule); the
      // incident panel says "not readable by you". Any other failure is an error.
      if (r.status() === 404 && who !== 'JMC' && /\/v1\/reports\/\d+$/.test(r.url())) { hidden404++; return; }
      if (r.status() >= 400) errors.push(`${who}: ${r.status()} ${r.request().method()} ${r.url()}`);
    });
    p.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) outside.push(r.url()); });
  };
  const newPage = async (who) => {
    const p = await browser.newPage();
    await p.setViewport({ width: 1280, height: 800 });
    await p.setBypassCSP(true); // so the test can inject axe-core; the page itself never needs it
    watch(p, who);
    return p;
  };
  const page = await newPage('JMC');
  const shot = (p, name) => p.screenshot({ path: join(artifacts, `${name}.png`) });
  const signIn = async (p, tok, lang = 'en') => {
    await p.goto(`${base}/?lang=${lang}`, { waitUntil: 'load' });
    await p.type('#token', tok);
    await p.keyboard.press('Enter');
    await p.waitForSelector('body[data-ready="true"]', { timeout: 240e3 });
  };
  const legendOf = (p) => p.$$eval('.legend li', (lis) => Object.fromEntries(lis.map((li) => [li.dataset.layer, Number(li.dataset.count)])));
  const settle = (p) => p.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50))));
  // Text that must never show: untranslated keys, null, undefined, NaN.
  const badText = (p) => p.evaluate(() => {
    const txt = [document.body.innerText, ...[...document.querySelectorAll('[aria-label],[title],[placeholder]')]
      .map((e) => `${e.getAttribute('aria-label') || ''} ${e.getAttribute('title') || ''} ${e.getAttribute('placeholder') || ''}`)].join('\n');
    return [...new Set([...txt.matchAll(/⟦[^⟧]*⟧|\bnull\b|\bundefined\b|\bNaN\b/g)].map((m) => `${m[0]} in "…${txt.slice(Math.max(0, m.index - 40), m.index + 20)}…"`))];
  });
  const axe = async (p) => {
    if (!(await p.evaluate(() => !!window.axe))) await p.evaluate(axeSource);
    return p.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ['violations'] });
      return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id}(${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
    });
  };

  // The sign-in page in each language, and ?lang= in the address.
  for (const l of LANGS) {
    await page.goto(`${base}/?lang=${l}`, { waitUntil: 'load' });
    const d = await page.evaluate(() => ({ lang: document.documentElement.lang, dir: document.documentElement.dir, title: document.querySelector('#signin-h').textContent }));
    check(`sign-in page in ${l} (?lang=${l}): lang ${d.lang}, dir ${d.dir}, "${d.title}"`, d.lang === l && d.dir === (l === 'ar' ? 'rtl' : 'ltr') && d.title.length > 0);
    const v = await axe(page);
    check(`sign-in page in ${l}: no serious or critical axe violation`, v.length === 0, v.join(' | '));
    await shot(page, `signin-${l}`);
  }

  t0 = Date.now();
  await signIn(page, JMC, 'en');
  const loadMs = Date.now() - t0;

  // ---- the base map ----
  const base1 = await page.evaluate(async () => {
    const m = window.truce.view.map;
    m.setView([35.0, 38.5], 7, { animate: false });
    await new Promise((r) => setTimeout(r, 100));
    const z7 = [...window.truce.view.base.shown];
    m.setView([36.2, 37.15], 11, { animate: false });
    await new Promise((r) => setTimeout(r, 100));
    const z11 = [...window.truce.view.base.shown];
    const attr = document.querySelector('.leaflet-control-attribution');
    return { z7, z11, attrText: attr.textContent, attrSvg: attr.querySelectorAll('svg, img').length };
  });
  check(`base map at zoom 7: governorates and cities labelled (${base1.z7.length} labels)`, base1.z7.includes('Aleppo') && base1.z7.includes('Damascus') && base1.z7.includes('Deir-ez-Zor') && base1.z7.length < 120, base1.z7.slice(0, 20).join(','));
  check(`base map at zoom 11 over Aleppo: towns and villages labelled (${base1.z11.length})`, base1.z11.includes('Aleppo') && base1.z11.length > 40, base1.z11.slice(0, 20).join(','));
  check('attribution names OCHA and Natural Earth, no flag or image', base1.attrText.includes('OCHA') && base1.attrText.includes('Natural Earth') && base1.attrSvg === 0 && !/[\u{1F1E6}-\u{1F1FF}]/u.test(base1.attrText), base1.attrText);
  // No border of another state is drawn inside Syria's territory (the UN's boundary): every
  // vertex of the neighbours' borders that falls inside Syria lies within 3 km of its boundary.
  const golan = await page.evaluate(() => {
    const b = window.truce.view.base;
    const edge = b.outline.coordinates.flat();
    const km = (p, q) => 111.2 * Math.hypot((p[0] - q[0]) * Math.cos((p[1] * Math.PI) / 180), p[1] - q[1]);
    let worst = 0;
    for (const line of b.borders.coordinates) for (const v of line) {
      if (!window.truce.districtAt(v[0], v[1])) continue;
      worst = Math.max(worst, Math.min(...edge.map((e) => km(v, e))));
    }
    const q = window.truce.districtAt(35.75, 33.0);
    return { worst, golan: q && q.adm1_en };
  });
  check(`no other state's border drawn inside Syria (worst ${golan.worst.toFixed(1)} km from its boundary); the Golan is in Quneitra governorate`, golan.worst < 3 && golan.golan === 'Quneitra', JSON.stringify(golan));
  await shot(page, 'map-aleppo-z11-en');

  // ---- layers at the map's time, as the API answers ----
  let legend = await legendOf(page);
  const at = await page.evaluate(() => window.truce.areasAt);
  let areas = await areaCounts(at);
  for (const k of ['control', 'ceasefire_zone', 'designated', 'corridor', 'no_strike']) {
    check(`layer ${k} at ${at}: ${legend[k]} features as the API answers`, legend[k] === (areas[k] || 0), `API ${areas[k] || 0}`);
  }
  check(`incidents layer at ${at}: ${legend.incidents} incidents, those up to the map's time`, legend.incidents === incidentsUpTo(Date.parse(at)) && legend.incidents > 0.8 * nReports, `expected ${incidentsUpTo(Date.parse(at))}`);
  console.log(`     all ${incidentTimes.length} incidents loaded and clustered in ${loadMs} ms`);
  const ops = (await apiAs(JMC, '/v1/operations?limit=1000')).body.items;
  const activeAt = (ms) => ops.filter((o) => o.volumes.some((v) => Date.parse(v.time_start.value) <= ms && ms < Date.parse(v.time_end.value))).length;
  check(`operations layer: ${legend.operations} active at ${at}`, legend.operations === activeAt(Date.parse(at)), `API ${activeAt(Date.parse(at))}`);

  // Responsive with every incident loaded: pan and zoom, each redraw bounded. Each view is
  // drawn three times and the fastest counts (the machine may be shared with other work).
  const times = await page.evaluate(async () => {
    const m = window.truce.view.map, out = [];
    for (const [lat, lon, z] of [[35, 38.5, 6], [36.2, 37.1, 9], [33.5, 36.3, 11], [35, 38.5, 7], [36.0, 39.0, 13], [35, 38.5, 6]]) {
      let best = Infinity;
      for (let k = 0; k < 3; k++) {
        if (k) m.setView([lat + 0.5, lon + 0.5], z - 1, { animate: false });
        const t = performance.now();
        m.setView([lat, lon], z, { animate: false });
        window.truce.incidents.draw();
        await new Promise((r) => requestAnimationFrame(() => r()));
        best = Math.min(best, performance.now() - t);
      }
      out.push(best);
    }
    return out;
  });
  check(`pan/zoom over ${legend.incidents} incidents: worst frame ${Math.max(...times).toFixed(0)} ms (< 1000)`, Math.max(...times) < 1000, times.map((x) => x.toFixed(0)).join(','));
  await shot(page, 'clusters-en');

  // ---- time: the slider in days, from the keyboard; the date box; day steps ----
  const stepAttr = await page.$eval('#time', (el) => el.step);
  await page.focus('#time');
  await page.keyboard.press('Home');
  await page.waitForFunction((prev) => window.truce.areasAt !== prev, { timeout: 30e3 }, at);
  const at2 = await page.evaluate(() => window.truce.areasAt);
  const legend2 = await legendOf(page);
  areas = await areaCounts(at2);
  check(`time slider in days (step ${stepAttr}), Home → ${at2}: control areas ${legend2.control} as the API answers, and changed`,
    stepAttr === '86400' && legend2.control === (areas.control || 0) && legend2.control !== legend.control, `API ${areas.control}, before ${legend.control}`);
  await page.$eval('#time-date', (el) => { el.value = '2016-12-15'; el.dispatchEvent(new Event('change')); });
  await page.waitForFunction(() => (window.truce.areasAt || '').startsWith('2016-12-15'), { timeout: 30e3 });
  const legend3 = await legendOf(page);
  areas = await areaCounts(await page.evaluate(() => window.truce.areasAt));
  check(`date box 2016-12-15: ceasefire zones ${legend3.ceasefire_zone}, corridors ${legend3.corridor} as the API answers`,
    legend3.ceasefire_zone === (areas.ceasefire_zone || 0) && legend3.corridor === (areas.corridor || 0) && legend3.ceasefire_zone > 0);
  await page.click('#day-next');
  await page.waitForFunction(() => (window.truce.areasAt || '').startsWith('2016-12-16'), { timeout: 30e3 });
  check('the next-day button moves the map a day', (await page.$eval('#time-date', (el) => el.value)) === '2016-12-16');
  // Every layer follows the time: incidents up to it, movements under way then.
  await page.evaluate(() => window.truce.setTime('2017-03-01T00:00:00Z'));
  let lg = await legendOf(page);
  check(`incidents follow the map's time: ${lg.incidents} up to 2017-03-01 as the API's times say`, lg.incidents === incidentsUpTo(Date.parse('2017-03-01T00:00:00Z')) && lg.incidents < legend.incidents, `${lg.incidents} vs ${incidentsUpTo(Date.parse('2017-03-01T00:00:00Z'))}`);
  for (const when of ['2017-12-01T09:00:00Z', '2017-12-02T09:00:00Z']) {
    await page.evaluate((w) => window.truce.setTime(w), when);
    lg = await legendOf(page);
    const apiMv = (await apiAs(JMC, `/v1/movements?limit=1000&at=${when}`)).body.features.length;
    const apiSites = (await apiAs(JMC, `/v1/sites?limit=1000&at=${when}`)).body.features.length;
    check(`movements and sites follow the map's time: at ${when} ${lg.movements} movements, ${lg.sites} sites, ${lg.operations} operations as the API answers`,
      lg.movements === apiMv && lg.sites === apiSites && lg.operations === activeAt(Date.parse(when)), `API ${apiMv} ${apiSites} ${activeAt(Date.parse(when))}`);
  }
  const apiCpt = (await apiAs(JMC, '/v1/checkpoints?limit=1000')).body.features.length;
  check(`checkpoints on the map: ${lg.checkpoints} as the API answers`, lg.checkpoints === apiCpt && apiCpt > 0, `API ${apiCpt}`);
  await page.evaluate(() => window.truce.setTime('2016-12-15T00:00:00Z'));
  await page.evaluate(() => window.truce.view.map.setView([36.2, 37.15], 11, { animate: false }));
  await shot(page, 'time-2016-12-15-en');

  // ---- forms that cannot file nonsense ----
  await page.evaluate(() => window.truce.setTime('2017-03-10T08:00:00Z'));
  await page.evaluate(() => window.truce.view.map.setView([36.2012, 37.1234], 12, { animate: false }));
  await page.click('#tab-report');
  const defaults = await page.evaluate(() => ({ when: document.querySelector('[name=occurred_at]').value, lon: document.querySelector('[name=lon]').value,
    lat: document.querySelector('[name=lat]').value, source: [...document.querySelector('[name=source]').options].map((o) => o.value), where: document.getElementById('report-where').textContent }));
  check(`report defaults: the map's time (${defaults.when}), its centre (${defaults.lat}, ${defaults.lon}), a monitor's source first; "${defaults.where}"`,
    defaults.when === '2017-03-10T08:00' && Math.abs(Number(defaults.lon) - 37.1234) < 1e-3 && Math.abs(Number(defaults.lat) - 36.2012) < 1e-3 && defaults.source[0] === 'monitor' && defaults.where.includes('Aleppo'),
  JSON.stringify(defaults));
  let size0 = await logSize();
  await page.$eval('[name=lon]', (el) => { el.value = ''; el.dispatchEvent(new Event('input')); });
  await page.click('#report-form button[type=submit]');
  const noPlace = await page.evaluate(() => ({ err: document.querySelector('#report-form .error').textContent, invalid: document.querySelector('[name=lon]').getAttribute('aria-invalid'), focus: document.activeElement.name }));
  check(`a report without a place is refused in the page ("${noPlace.err}"), the field marked and focused`, noPlace.err.length > 0 && noPlace.invalid === 'true' && noPlace.focus === 'lon', JSON.stringify(noPlace));
  await page.$eval('[name=lon]', (el) => { el.value = '37.1234'; el.dispatchEvent(new Event('input')); });
  await page.$eval('[name=occurred_at]', (el) => { el.value = '2031-01-01T00:00'; el.dispatchEvent(new Event('input')); });
  await page.click('#report-form button[type=submit]');
  const fut = await page.evaluate(() => ({ err: document.querySelector('#report-form .error').textContent, focus: document.activeElement.name }));
  await new Promise((r) => setTimeout(r, 500));
  check(`a report in the future is refused ("${fut.err}"), nothing is logged`, fut.err.length > 0 && fut.focus === 'occurred_at' && (await logSize()) === size0, JSON.stringify(fut));
  // Picking the place: a click on the map over a layer sets the place and never changes the panel.
  await page.click('#report-pick');
  const pickPt = await page.evaluate(() => {
    const m = window.truce.view.map, p = m.latLngToContainerPoint([36.2, 37.13]), r = m.getContainer().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  });
  await page.mouse.click(pickPt.x, pickPt.y);
  const picked = await page.evaluate(() => ({ tab: document.querySelector('[role=tab][aria-selected=true]').id, pressed: document.getElementById('report-pick').getAttribute('aria-pressed'),
    lon: document.querySelector('[name=lon]').value, lat: document.querySelector('[name=lat]').value, mode: window.truce.view.mode }));
  check(`picking on the map sets the place (${picked.lat}, ${picked.lon}), stays on the Report panel, and ends (button released)`,
    picked.tab === 'tab-report' && picked.pressed === 'false' && picked.mode === null && Math.abs(Number(picked.lon) - 37.13) < 0.01 && Math.abs(Number(picked.lat) - 36.2) < 0.01, JSON.stringify(picked));
  await page.click('#report-pick');
  await page.keyboard.press('Escape');
  check('Escape ends picking', (await page.$eval('#report-pick', (el) => el.getAttribute('aria-pressed'))) === 'false' && (await page.evaluate(() => window.truce.view.mode)) === null);
  await page.$eval('[name=occurred_at]', (el) => { el.value = '2017-03-10T08:30'; el.dispatchEvent(new Event('input')); });
  await page.$eval('[name=lon]', (el) => { el.value = '37.1234'; el.dispatchEvent(new Event('input')); });
  await page.$eval('[name=lat]', (el) => { el.value = '36.2012'; el.dispatchEvent(new Event('input')); });
  await page.select('[name=alleged_perpetrator]', 'SAA');
  await page.select('[name=sub_event_type]', 'Shelling/artillery/missile attack');
  await page.type('[name="fatalities.min"]', '3');
  await page.type('[name="fatalities.max"]', '1');
  await page.click('#report-form button[type=submit]');
  check('fatalities at least 3, at most 1: refused in the page', (await page.evaluate(() => document.activeElement.name)) === 'fatalities.max');
  await page.$eval('[name="fatalities.max"]', (el) => { el.value = '4'; });
  await page.click('#report-form button[type=submit]');
  await page.waitForFunction(() => window.truce.lastReport, { timeout: 30e3 });
  const rep = await page.evaluate(() => window.truce.lastReport);
  const seen = await page.evaluate(() => {
    const r = document.getElementById('report-result').getBoundingClientRect();
    return { visible: r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0, focused: document.activeElement.classList.contains('result'), text: document.getElementById('report-result').textContent };
  });
  check(`report ${rep.id} filed: the confirmation is in view and focused ("${seen.text}")`, seen.visible && seen.focused, JSON.stringify(seen));
  const repApi = (await apiAs(JMC, `/v1/reports/${rep.id}`)).body;
  check(`report ${rep.id} as filed: the place, time and a monitor's source`, repApi.source.kind === 'monitor' && repApi.occurred_at === '2017-03-10T08:30:00Z' && repApi.location.coordinates[0] === 37.1234, JSON.stringify(repApi).slice(0, 300));
  await page.click('#tab-incidents');
  check(`report ${rep.id}: incident ${rep.incident_id} is in the list`, !!(await page.$(`.incident-list li[data-id="${rep.incident_id}"]`)));
  check(`report ${rep.id}: incident ${rep.incident_id} is drawn on the map at once`, await page.evaluate((id) => window.truce.incidents.drawn.includes(id), rep.incident_id));
  // From the list by keyboard: focus the row, Enter opens the panel.
  await page.focus(`.incident-list li[data-id="${rep.incident_id}"] button`);
  await page.keyboard.press('Enter');
  await page.waitForSelector(`#incident-title[data-id="${rep.incident_id}"]`, { timeout: 30e3 });
  await page.waitForSelector('#incident-panel .mark[data-verified]', { timeout: 30e3 });
  check('incident opened from the list with the keyboard; the report\'s receipt verified in the browser (SHA-256 proof, Ed25519 checkpoint)',
    (await page.$eval('#incident-panel .mark[data-verified]', (el) => el.dataset.verified)) === 'true', await page.$eval('#incident-panel .mark', (el) => el.textContent));
  const wit = await page.$eval('#incident-panel .mark[data-verified]', (el) => ({ ...el.dataset, text: el.textContent }));
  check('the receipt\'s checkpoint: both witnesses\' cosignatures verified in the browser, the quorum of 2 holds',
    wit.quorum === 'true' && wit.witnesses === '2' && wit.text.includes('w1.web.test/w ✔') && wit.text.includes('w2.web.test/w ✔'),
    JSON.stringify(wit));
  // The same check in Node (WebCrypto, tlog.js itself): a changed cosignature fails it.
  const { verifyCosignatures } = await import(join(root, 'web/src/tlog.js'));
  const rcpt = (await apiAs(JMC, `/v1/log/receipts/${rep.receipt.index}`)).body;
  const good = await verifyCosignatures(rcpt.checkpoint, witnessKeys, 2);
  const bad = await verifyCosignatures(rcpt.checkpoint.replace(/(\u2014 w2\.web\.test\/w \S{30})(\S)/, (m, a, c) => a + (c === 'A' ? 'B' : 'A')), witnessKeys, 2);
  check('tlog.js: a changed cosignature breaks the quorum', good.holds && !bad.holds && bad.witnesses[1].state === 'invalid',
    JSON.stringify(bad.witnesses));
  await shot(page, 'incident-panel-en');

  // ---- the monitor's work on incidents: verdict, response, split, merge ----
  await page.evaluate((id) => window.truce.showDetails('incident', id), twinIncident);
  await page.waitForSelector(`#incident-title[data-id="${twinIncident}"]`, { timeout: 30e3 });
  size0 = await logSize();
  await page.select('#verdict-form [name=verdict]', 'reject');
  await page.click('#verdict-form button[type=submit]');
  await new Promise((r) => setTimeout(r, 300));
  check('a rejection without a reason is refused in the page, nothing logged', (await page.evaluate(() => document.activeElement.name)) === 'reason' && (await logSize()) === size0);
  await page.type('#verdict-form [name=reason]', 'the crater is older (test)');
  await page.click('#verdict-form button[type=submit]');
  await page.waitForSelector(`#incident-title[data-id="${twinIncident}"] ~ p [data-grade="discounted"]`, { timeout: 30e3 });
  let incApi = (await apiAs(JMC, `/v1/incidents/${twinIncident}`)).body;
  check(`verdict from the panel: incident ${twinIncident} ${incApi.grade} with the reason, as the API says`, incApi.grade === 'discounted' && incApi.verdicts.some((v) => v.reason === 'the crater is older (test)'));
  await page.type('#respond-form [name=text]', 'seen by the southern team (test)');
  await page.click('#respond-form button[type=submit]');
  await page.waitForSelector('.i-responses', { timeout: 30e3 });
  incApi = (await apiAs(JMC, `/v1/incidents/${twinIncident}`)).body;
  check('a response from the panel is in the API', incApi.responses.some((x) => x.text === 'seen by the southern team (test)'));
  await page.click(`#split-${r2.body.id}`);
  await page.type('#split-form [name=reason]', 'two different strikes (test)');
  await page.click('#split-form button[type=submit]');
  await page.waitForFunction((a, b) => { const t = document.getElementById('incident-title'); return t && t.dataset.id && document.querySelectorAll('#incident-panel .reports li').length === 1; }, { timeout: 30e3 }, twinIncident, r2.body.id);
  const r2Inc = (await apiAs(JMC, `/v1/reports/${r2.body.id}`)).body.incident_id;
  const r1Inc = (await apiAs(JMC, `/v1/reports/${r1.body.id}`)).body.incident_id;
  check(`split from the panel: reports ${r1.body.id} and ${r2.body.id} now in incidents ${r1Inc} and ${r2Inc}`, r1Inc !== r2Inc);
  await page.evaluate((id) => window.truce.showDetails('incident', id), r1Inc);
  await page.waitForSelector(`#incident-title[data-id="${r1Inc}"]`, { timeout: 30e3 });
  await page.type('#merge-form [name=incidents]', String(r2Inc));
  await page.type('#merge-form [name=reason]', 'one strike after all (test)');
  await page.click('#merge-form button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('#incident-panel .reports li').length === 2, { timeout: 30e3 });
  const merged = [(await apiAs(JMC, `/v1/reports/${r1.body.id}`)).body.incident_id, (await apiAs(JMC, `/v1/reports/${r2.body.id}`)).body.incident_id];
  check(`merge from the panel: both reports in incident ${merged[0]}`, merged[0] === merged[1]);
  await shot(page, 'incident-monitor-en');

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
  await page.evaluate((id) => window.truce.showDetails('incident', id), busyId);
  await page.waitForSelector(`#incident-title[data-id="${busyId}"]`, { timeout: 30e3 });
  await page.waitForSelector('#incident-panel .more-reports:not([hidden])', { timeout: 30e3 });
  const busyHead = await page.$eval('#incident-panel h4', (el) => el.textContent);
  const firstPage = await page.$$eval('#incident-panel ul.reports li', (l) => l.length);
  await page.click('#incident-panel .more-reports');
  await page.waitForFunction(() => document.querySelectorAll('#incident-panel ul.reports li').length === 120
    && document.querySelector('#incident-panel .more-reports').hidden, { timeout: 30e3 });
  check('a busy incident\'s panel: its count from the summary, a first page of 100, then the rest on demand',
    busyHead === 'Reports (120)' && firstPage === 100, `${busyHead}, ${firstPage}`);

  // ---- notify: drawing owns the map's clicks, ends cleanly; the new operation shows at once ----
  await page.evaluate(() => window.truce.setTime('2017-12-02T09:00:00Z'));
  await page.evaluate(() => window.truce.view.map.setView([36.205, 37.13], 12, { animate: false }));
  await page.click('#tab-notify');
  await page.select('#notify-form [name=kind]', 'operation');
  await page.$eval('#notify-form [name=time_start]', (el) => { el.value = '2017-12-01T08:00'; el.dispatchEvent(new Event('input')); });
  await page.$eval('#notify-form [name=time_end]', (el) => { el.value = '2017-12-01T10:00'; el.dispatchEvent(new Event('input')); });
  await page.click('#notify-draw');
  // A click on the convoy while drawing adds a point and opens nothing.
  const onConvoy = await page.evaluate(() => {
    const m = window.truce.view.map, p = m.latLngToContainerPoint([36.2075, 37.12]), r = m.getContainer().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  });
  await page.mouse.click(onConvoy.x, onConvoy.y);
  const drawing = await page.evaluate(() => ({ tab: document.querySelector('[role=tab][aria-selected=true]').id, n: window.truce.notify.sketch.points.length, details: !!document.getElementById('details-title') }));
  check('a click on a movement while drawing adds a point and never changes the panel', drawing.tab === 'tab-notify' && drawing.n === 1 && !drawing.details, JSON.stringify(drawing));
  await page.click('#notify-clear');
  await page.evaluate(() => window.truce.view.map.setView([35.93, 36.7], 12, { animate: false }));
  const pt = await page.evaluate(() => {
    const m = window.truce.view.map, p = m.latLngToContainerPoint([35.931, 36.701]), r = m.getContainer().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  });
  await page.mouse.click(pt.x, pt.y);
  await page.keyboard.press('Escape');
  const ended = await page.evaluate(() => ({ pressed: document.getElementById('notify-draw').getAttribute('aria-pressed'), mode: window.truce.view.mode, n: window.truce.notify.sketch.points.length }));
  check('Escape ends drawing (button released, the map free), the point kept', ended.pressed === 'false' && ended.mode === null && ended.n === 1, JSON.stringify(ended));
  await page.click('#notify-form button[type=submit]');
  await page.waitForSelector('#notify-result ul.conflicts, #notify-result p.ok', { timeout: 30e3 });
  const conflicts = await page.$$eval('#notify-result ul.conflicts li', (lis) => lis.map((li) => `${li.dataset.type} ${li.dataset.id}`));
  check(`an operation drawn on the map shows its conflicts (${conflicts.length})`, conflicts.includes(`site ${siteId}`), conflicts.join(' | '));
  const afterOp = await page.evaluate(() => ({ at: window.truce.areasAt }));
  const legend4 = await legendOf(page);
  check(`the new operation shows at once: the map's time moved into its window (${afterOp.at}), ${legend4.operations} operations active`,
    Date.parse(afterOp.at) >= Date.parse('2017-12-01T08:00:00Z') && Date.parse(afterOp.at) < Date.parse('2017-12-01T10:00:00Z') && legend4.operations === activeAt(Date.parse(afterOp.at)) + 1, `${afterOp.at} ${legend4.operations}`);
  await shot(page, 'notify-operation-en');

  // The operation's panel (a click on it on the map): activated, then ended.
  const myOp = (await apiAs(JMC, '/v1/operations?limit=1000')).body.items.filter((o) => o.owner === 'JMC').pop();
  await page.evaluate(() => window.truce.view.map.setView([35.93, 36.7], 12, { animate: false }));
  const opPt = await page.evaluate(() => {
    const m = window.truce.view.map, p = m.latLngToContainerPoint([35.937, 36.701]), r = m.getContainer().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  });
  await page.mouse.click(opPt.x, opPt.y);
  await page.waitForSelector('#details-title[data-kind="operation"]', { timeout: 30e3 });
  const opShownId = Number(await page.$eval('#details-title', (el) => el.dataset.id));
  if (opShownId !== myOp.id) await page.evaluate((id) => window.truce.showDetails('operation', id), myOp.id);
  await page.waitForSelector(`#details-title[data-kind="operation"][data-id="${myOp.id}"]`, { timeout: 30e3 });
  await page.click('.op-state button[data-state="active"]');
  await page.waitForSelector('.op-result[data-state="active"]', { timeout: 30e3 });
  const reChecked = await page.$$eval('.op-result ul.conflicts li', (lis) => lis.map((li) => `${li.dataset.type} ${li.dataset.id}`));
  let opApi = (await apiAs(JMC, `/v1/operations/${myOp.id}`)).body;
  check(`operation ${myOp.id} activated from its panel: active in the API, the re-checked conflicts shown`, opApi.state === 'active' && reChecked.includes(`site ${siteId}`), `${opApi.state} ${reChecked.join(' | ')}`);
  await page.click('.op-state button[data-state="ended"]');
  await page.waitForSelector('.op-state-now[data-state="ended"]', { timeout: 30e3 });
  opApi = (await apiAs(JMC, `/v1/operations/${myOp.id}`)).body;
  check(`operation ${myOp.id} ended: history of ${opApi.history.length} changes as the API answers, no buttons left`,
    opApi.state === 'ended' && (await page.$$eval('.op-history tbody tr', (trs) => trs.length)) === opApi.history.length && !(await page.$('.op-state button')));

  // A convoy notified for three days ahead: the map's time moves to it, it is drawn at once.
  await page.click('#tab-notify');
  await page.select('#notify-form [name=kind]', 'movement');
  await page.evaluate(() => window.truce.view.map.setView([33.5, 36.4], 11, { animate: false }));
  await page.$eval('#notify-form [name=time_start]', (el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }, iso(ahead + 86400e3).slice(0, 16));
  await page.$eval('#notify-form [name=time_end]', (el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }, iso(ahead + 86400e3 + 6 * 3600e3).slice(0, 16));
  await page.type('#notify-form [name=name]', 'Douma convoy (test)');
  await page.click('#notify-draw');
  for (const [lat, lon] of [[33.55, 36.35], [33.57, 36.4]]) {
    const p = await page.evaluate((la, lo) => { const m = window.truce.view.map, q = m.latLngToContainerPoint([la, lo]), r = m.getContainer().getBoundingClientRect(); return { x: r.left + q.x, y: r.top + q.y }; }, lat, lon);
    await page.mouse.click(p.x, p.y);
  }
  await page.click('#notify-draw');
  await page.click('#notify-form button[type=submit]');
  await page.waitForFunction(() => [...window.truce.deconf.movements.values()].some((f) => f.properties.name === 'Douma convoy (test)'), { timeout: 30e3 });
  const newMv = (await apiAs(JMC, '/v1/movements?limit=1000')).body.features.find((f) => f.properties.name === 'Douma convoy (test)');
  const mvNow = await page.evaluate((id) => ({ at: window.truce.areasAt, drawn: window.truce.deconf.movementLayer.getLayers().some((l) => l.feature.properties.id === id) }), newMv && newMv.properties.id);
  check(`a movement notified ahead shows at once: map time ${mvNow.at}, drawn`, newMv && mvNow.drawn && Date.parse(mvNow.at) >= Date.parse(newMv.properties.time_start), JSON.stringify(mvNow));

  // ---- notices one can act on ----
  await page.click('#tab-inbox');
  const opNotice = (await apiAs(JMC, '/v1/notices?after=0&limit=1000')).body.items.find((n) => n.kind === 'conflict' && n.about.type === 'operation' && n.about.id === op.body.id);
  await page.waitForSelector(`.notices li[data-notice="${opNotice.id}"]`, { timeout: 30e3 });
  const card = await page.$eval(`.notices li[data-notice="${opNotice.id}"]`, (li) => ({ text: li.innerText, mean: document.getElementById(li.querySelector('button.ack').getAttribute('aria-describedby')).textContent }));
  check('a conflict notice says what it is about: the operation, its owner, window, where, the own object and what acknowledging means',
    card.text.includes('SAA') && card.text.includes('Dec 1, 2017') && /Idleb|Lattakia|Hama/.test(card.text) && card.text.includes(`Site ${siteId}`) && card.mean.includes('not consent'), JSON.stringify(card));
  const futNotice = (await apiAs(JMC, '/v1/notices?after=0&limit=1000')).body.items.find((n) => n.kind === 'movement' && n.about.id === future.body.properties.id);
  check(`the convoy notified three days ahead is due an hour before its start (${futNotice.deadline})`, Date.parse(futNotice.deadline) === ahead - 3600e3, futNotice.deadline);
  await shot(page, 'inbox-en');
  await page.click(`.notices li[data-notice="${opNotice.id}"] button.show-on-map`);
  await page.waitForSelector(`#details-title[data-kind="operation"][data-id="${op.body.id}"]`, { timeout: 30e3 });
  const shown = await page.evaluate(() => ({ at: window.truce.areasAt, centre: window.truce.view.map.getCenter() }));
  check(`"show on map": operation ${op.body.id}'s panel, the map at its time (${shown.at}) and place`,
    Date.parse(shown.at) >= Date.parse('2017-12-01T06:00:00Z') && Date.parse(shown.at) < Date.parse('2017-12-01T12:00:00Z') && Math.abs(shown.centre.lat - 35.93) < 0.05 && Math.abs(shown.centre.lng - 36.7) < 0.05, JSON.stringify(shown));
  await page.click('#tab-inbox');
  await page.click(`.notices li[data-notice="${opNotice.id}"] button.ack`);
  await page.waitForSelector(`.notices li[data-notice="${opNotice.id}"].acked`, { timeout: 30e3 });
  const fromApi = (await apiAs(JMC, '/v1/notices?after=0&limit=1000')).body.items.find((n) => n.id === opNotice.id);
  check(`notice ${opNotice.id} acknowledged from the inbox (the API says so)`, fromApi && fromApi.acked_at !== null);

  // ---- movements, corridor (and its forms), territory ----
  await page.evaluate(() => window.truce.setTime('2017-12-02T09:00:00Z'));
  const mvList = (await apiAs(JMC, '/v1/movements?limit=1000&at=2017-12-02T09:00:00Z')).body.features;
  const mvDrawn = await page.evaluate(() => window.truce.deconf.movementLayer.getLayers().map((l) => [l.feature.properties.id, l.options.className === 'not-cleared']));
  const mvExpect = mvList.map((f) => [f.properties.id, f.properties.cleared === false]);
  check(`movements layer: ${mvDrawn.length} under way, not cleared ones styled apart, as the API answers`,
    JSON.stringify(mvDrawn.sort()) === JSON.stringify(mvExpect.sort()) && mvExpect.some(([, nc]) => nc), `${JSON.stringify(mvDrawn)} vs ${JSON.stringify(mvExpect)}`);
  await page.click('#tab-details');
  await page.select('#details-form [name=detail_kind]', 'movement');
  await page.focus('#details-form [name=detail_id]');
  await page.keyboard.type(String(mvId));
  await page.keyboard.press('Enter');
  await page.waitForSelector(`#details-title[data-kind="movement"][data-id="${mvId}"]`, { timeout: 30e3 });
  const mvApi = (await apiAs(JMC, `/v1/movements/${mvId}`)).body.properties;
  const mvShown = await page.evaluate(() => ({
    status: document.querySelector('.m-status').dataset.status, cleared: document.querySelector('.clearance').dataset.cleared,
    missing: [...document.querySelectorAll('.missing li')].map((li) => li.textContent), acks: document.querySelectorAll('.m-acks tbody tr').length,
    history: document.querySelectorAll('.m-history tbody tr').length, schedule: document.querySelectorAll('.m-schedule tbody tr').length,
    position: (document.querySelector('.m-position') || {}).dataset?.at || '',
    cargo: (document.querySelector('.m-cargo') || {}).textContent || '',
  }));
  check(`movement ${mvId} panel: ${mvShown.status}, cleared ${mvShown.cleared}, missing ${mvShown.missing.join(',')} as the API answers`,
    mvShown.status === mvApi.status && mvShown.cleared === String(mvApi.cleared) && JSON.stringify(mvShown.missing) === JSON.stringify(mvApi.clearance.missing) &&
    mvShown.missing.includes('Opposition') && mvShown.acks === mvApi.clearance.acknowledgements.length &&
    mvShown.history === mvApi.history.length && mvShown.schedule === mvApi.schedule.length && mvShown.position === mvApi.position.at &&
    mvApi.cargo.length === 2 && mvShown.cargo === 'food 120.5 t; medical 4.2 t', JSON.stringify(mvShown));
  await page.evaluate(() => window.truce.setTime('2016-12-17T00:00:00Z'));
  await page.evaluate((id) => window.truce.showDetails('corridor', id), corridorId);
  await page.waitForSelector(`#details-title[data-kind="corridor"][data-id="${corridorId}"]`, { timeout: 30e3 });
  let cApi = (await apiAs(JMC, `/v1/corridors/${corridorId}?at=2016-12-17T00:00:00Z`)).body;
  check(`corridor ${corridorId} at 2016-12-17: ${cApi.status} as the API answers`, (await page.$eval('.c-status', (el) => el.dataset.status)) === cApi.status && cApi.status === 'suspended');
  await page.evaluate(() => window.truce.setTime('2016-12-19T12:00:00Z'));
  await page.waitForFunction(() => (window.truce.detailsShown || '').endsWith('@2016-12-19T12:00:00Z'), { timeout: 30e3 });
  await page.$eval('#corridor-crossing [name=date]', (el) => { el.value = '2016-12-19'; });
  await page.type('#corridor-crossing [name=count]', '8000');
  await page.click('#corridor-crossing button[type=submit]');
  await page.waitForSelector('#corridor-crossing .result p.ok', { timeout: 30e3 });
  cApi = (await apiAs(JMC, `/v1/corridors/${corridorId}?at=2016-12-19T12:00:00Z`)).body;
  const cTot = await page.$eval('.c-totals', (el) => [Number(el.dataset.low), Number(el.dataset.high)]);
  check(`corridor ${corridorId} follows the map's time (open on 2016-12-19); a crossing count recorded from its panel: ${cTot.join('–')} people as the API answers`,
    (await page.$eval('.c-status', (el) => el.dataset.status)) === 'open' && cApi.crossings.days.some((d) => d.date === '2016-12-19' && d.high === 8000) &&
    cTot[0] === cApi.crossings.totals.low && cTot[1] === cApi.crossings.totals.high);
  await page.type('#corridor-suspension [name=reason]', '');
  await page.click('#corridor-suspension button[type=submit]');
  check('a suspension without a reason is refused in the page', (await page.evaluate(() => document.activeElement.name)) === 'reason');
  await shot(page, 'corridor-en');

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
  check('territory change 2016-11-01 → 2016-12-20 as the API answers',
    Object.keys(tch.parties).every((k) => JSON.stringify(tchShown[k]) === JSON.stringify(tch.parties[k])) && tch.parties.SAA && Math.abs(tch.parties.SAA.change_km2) > 1);

  // ---- measures (issue 20): the separation and aid charts draw the API's series ----
  await page.click('#tab-measures');
  await page.waitForSelector('#measures-form select[name=agreement] option', { timeout: 30e3 });
  const decAg = (await apiAs(JMC, '/v1/agreements?limit=100')).body.items.find((a) => a.name.startsWith('Eastern Aleppo ceasefire'));
  await page.select('#measures-form select[name=agreement]', String(decAg.id));
  await page.$eval('#measures-form [name=from]', (el) => { el.value = '2016-11-25'; });
  await page.$eval('#measures-form [name=to]', (el) => { el.value = '2016-12-25'; });
  await page.click('#measures-form button[type=submit]');
  await page.waitForFunction(() => { const c = document.querySelector('#chart-separation'); return c && JSON.parse(c.dataset.dates).at(-1) === '2016-12-25'; }, { timeout: 30e3 });
  const sepApi = (await apiAs(JMC, `/v1/agreements/${decAg.id}/separation?from=2016-11-25T00:00:00Z&to=2016-12-25T00:00:00Z`)).body;
  const sepShown = await page.$eval('#chart-separation', (el) => ({ series: JSON.parse(el.dataset.series), dates: JSON.parse(el.dataset.dates), lines: el.querySelectorAll('polyline').length }));
  const sepWant = Object.fromEntries([...new Set(sepApi.days.flatMap((d) => Object.keys(d.parties)))].sort().map((p) => [p, sepApi.days.map((d) => d.parties[p] || 0)]));
  check(`separation chart: ${sepShown.lines} parties over ${sepShown.dates.length} days, the commingled km² the API answers (Opposition ${sepWant.Opposition[0]} → ${sepWant.Opposition.at(-1)})`,
    JSON.stringify(sepShown.series) === JSON.stringify(sepWant) && sepShown.lines === Object.keys(sepWant).length && sepShown.dates.length === 31 &&
    sepWant.Opposition[0] > sepWant.Opposition.at(-1));
  const aidApi = (await apiAs(JMC, '/v1/aid?from=2016-11-25T00:00:00Z&to=2016-12-25T00:00:00Z')).body;
  const aidShown = await page.$eval('#chart-aid', (el) => Object.values(JSON.parse(el.dataset.series)));
  check(`aid chart: delivered, aborted and hit tonnes per day as the API answers (${aidApi.series.length} days)`,
    JSON.stringify(aidShown) === JSON.stringify(['delivered_tonnes', 'aborted_tonnes', 'hit_tonnes'].map((k) => aidApi.series.map((d) => d[k]))) &&
    (await page.$eval('#aid-people', (el) => Number(el.dataset.high))) === aidApi.people_crossed.high);

  // ---- mine action: the hazard, a day's progress on its task, a new task ----
  await page.click('#tab-mine');
  await page.click(`#hazard-list li[data-hazard="${hzId}"] button`);
  await page.waitForSelector(`#hazard-title[data-id="${hzId}"]`, { timeout: 30e3 });
  const taskId = task.body.id;
  await page.$eval(`#progress-form-${taskId} [name=date]`, (el) => { el.value = '2017-04-02'; });
  await page.type(`#progress-form-${taskId} [name=cleared_m2]`, '12000');
  await page.select(`#progress-form-${taskId} [name=item_type]`, 'AP mine');
  await page.type(`#progress-form-${taskId} [name=found]`, '14');
  await page.type(`#progress-form-${taskId} [name=destroyed]`, '14');
  await page.click(`#progress-form-${taskId} button[type=submit]`);
  await page.waitForFunction((id) => document.querySelector(`#hazard-panel li[data-task="${id}"] .task-progress tbody tr`), { timeout: 30e3 }, taskId);
  const hzApi = (await apiAs(JMC, `/v1/hazards/${hzId}`)).body.properties;
  const hzShown = await page.$eval('.hz-released', (el) => Number(el.dataset.m2));
  check(`a day's progress recorded from the panel: ${hzShown} m² released on hazard ${hzId} as the API answers`, hzApi.released_m2 === 12000 && hzShown === 12000);
  await page.select('#task-form [name=task_kind]', 'technical_survey');
  await page.click('#task-form button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('#hazard-panel li[data-task]').length === 2, { timeout: 30e3 });
  check('a task started from the hazard\'s panel', true);
  await shot(page, 'mine-en');

  // ---- messages ----
  await page.click('#tab-messages');
  await page.waitForSelector(`#message-list li[data-message="${msg.body.id}"]`, { timeout: 30e3 });
  await page.select('#message-form [name=to]', 'SAA');
  await page.type('#message-form [name=subject]', 'Convoy route (test)');
  await page.type('#message-form [name=text]', 'Please confirm the route north of the city.');
  await page.click('#message-form button[type=submit]');
  await page.waitForSelector('#message-result', { timeout: 30e3 });
  const saaMsgs = (await apiAs(tokens.SAA, '/v1/messages?after=0&limit=1000')).body.items;
  check('a message sent from the page reaches SAA (the API lists it); Russia\'s message is listed', saaMsgs.some((m) => m.subject === 'Convoy route (test)' && m.from === 'JMC'));
  await shot(page, 'messages-en');

  // ---- agreements, bulletin ----
  await page.click('#nav button[data-view=agreements]');
  await page.waitForSelector('#agreement-form', { timeout: 30e3 });
  await page.select('#agreement-form [name=agreement]', String(agrId));
  await page.waitForSelector(`#timeline h3[data-agreement="${agrId}"]`, { timeout: 30e3 });
  const tlAt = await page.$eval('#agreement-form [name=at]', (el) => `${el.value}:00Z`);
  const tl = (await apiAs(JMC, `/v1/agreements/${agrId}/timeline?at=${encodeURIComponent(tlAt)}`)).body;
  const tlShown = await page.evaluate(() => ({
    percent: document.getElementById('tl-score').dataset.percent,
    steps: [...document.querySelectorAll('#tl-steps > tbody > tr')].map((tr) => [Number(tr.dataset.step), tr.querySelector('[data-status]').dataset.status]),
  }));
  check(`agreement ${agrId} timeline at ${tlAt}: ${tlShown.percent}%, ${tlShown.steps.length} steps as the API answers`,
    tlShown.percent === String(tl.percent) && JSON.stringify(tlShown.steps) === JSON.stringify(tl.steps.map((x) => [x.id, x.status])));
  await page.click('#nav button[data-view=bulletin]');
  await page.waitForSelector('#chart-days', { timeout: 30e3 });
  const bday = await page.$eval('#bulletin-date', (el) => el.value);
  const b = (await apiAs(JMC, `/v1/bulletins/${bday}?format=json`)).body;
  const fig = await page.$eval('#fig-violations', (el) => ({ n: el.dataset.n, text: el.innerText }));
  check(`bulletin ${bday}: ${fig.n} violations as the API answers, the word agrees with the number ("${fig.text.replace(/\n/g, ' ')}")`,
    fig.n === String(b.violations.today) && (b.violations.today === 1 ? /\bviolation\b/.test(fig.text) : /violations/.test(fig.text)));

  // ---- every view in every language: direction, no untranslated key, no null/NaN, axe ----
  const views = {
    map: async (p) => { await p.click('#nav button[data-view=map]'); await p.evaluate(() => { window.truce.selectTab('tab-layers'); window.truce.view.map.setView([36.2, 37.15], 11, { animate: false }); }); },
    incidents: async (p) => { await p.evaluate(() => window.truce.selectTab('tab-incidents')); await p.evaluate((id) => window.truce.showDetails('incident', id), rep.incident_id); await p.waitForSelector('#incident-panel .mark[data-verified]', { timeout: 30e3 }); },
    report: async (p) => p.evaluate(() => window.truce.selectTab('tab-report')),
    notify: async (p) => p.evaluate(() => window.truce.selectTab('tab-notify')),
    inbox: async (p) => p.evaluate(() => window.truce.selectTab('tab-inbox')),
    messages: async (p) => { await p.evaluate(() => window.truce.selectTab('tab-messages')); await p.waitForSelector('#message-list li', { timeout: 30e3 }); },
    mine: async (p) => { await p.evaluate(() => window.truce.selectTab('tab-mine')); await p.evaluate((id) => window.truce.mine.show(id), hzId); },
    details: async (p) => { await p.evaluate((id) => window.truce.showDetails('corridor', id), corridorId); await p.waitForSelector('#details-title', { timeout: 30e3 }); },
    territory: async (p) => { await p.evaluate(() => window.truce.selectTab('tab-territory')); await p.waitForSelector('#territory-table tbody tr', { timeout: 30e3 }); },
    bulletin: async (p) => { await p.click('#nav button[data-view=bulletin]'); await p.waitForSelector('#chart-days', { timeout: 30e3 }); },
    agreements: async (p) => { await p.click('#nav button[data-view=agreements]'); await p.waitForSelector('#timeline h3', { timeout: 30e3 }); },
  };
  const placeAt = { en: 'Aleppo', ar: 'حلب', ru: 'Aleppo' };
  for (const l of LANGS) {
    await page.click('#nav button[data-view=map]');
    await page.select('#lang', l);
    await settle(page);
    const d = await page.evaluate(() => ({ lang: document.documentElement.lang, dir: document.documentElement.dir, missing: [...window.truce.i18nMissing].filter((k) => k.startsWith(`${document.documentElement.lang}:`)) }));
    check(`language ${l}: lang ${d.lang}, dir ${d.dir}`, d.lang === l && d.dir === (l === 'ar' ? 'rtl' : 'ltr'));
    for (const [name, open] of Object.entries(views)) {
      await open(page);
      await settle(page);
      const bad = await badText(page);
      const v = await axe(page);
      check(`${name} in ${l}: no untranslated key, no null/undefined/NaN; no serious or critical axe violation`, bad.length === 0 && v.length === 0, [...bad, ...v].join(' | '));
      await shot(page, `${name}-${l}`);
    }
    const missing = await page.evaluate((lang) => [...window.truce.i18nMissing].filter((k) => k.startsWith(`${lang}:`)), l);
    check(`language ${l}: every text the views used is in its catalog`, missing.length === 0, missing.join(', '));
    await page.click('#nav button[data-view=map]');
    const shownNames = await page.evaluate(async () => { window.truce.view.map.setView([36.2, 37.15], 11, { animate: false }); await new Promise((r) => setTimeout(r, 100)); return [...window.truce.view.base.shown]; });
    check(`place names in ${l}: "${placeAt[l]}" over Aleppo`, shownNames.includes(placeAt[l]), shownNames.slice(0, 10).join(','));
  }
  // The choice is remembered for the party: Arabic chosen, a reload brings it back.
  await page.select('#lang', 'ar');
  await page.goto(`${base}/`, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"]', { timeout: 240e3 });
  check('the language is remembered for the party (Arabic after a reload)', (await page.evaluate(() => [document.documentElement.dir, localStorage.getItem('truce.lang.JMC')])).join() === 'rtl,ar');
  await page.select('#lang', 'en');

  // ---- keyboard: the tabs with arrow keys, the layer list, the skip link ----
  await page.focus('#tab-layers');
  await page.keyboard.press('ArrowRight');
  check('the tabs move with the arrow keys', (await page.evaluate(() => document.activeElement.id)) === 'tab-incidents');

  // ---- phone width ----
  await page.setViewport({ width: 390, height: 844 });
  await page.click('#nav button[data-view=map]');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check('readable at phone width (no sideways scroll)', overflow <= 1, `${overflow}px`);
  await shot(page, 'phone-en');
  const unlabelled = await page.$$eval('input, select, textarea', (els) => els.filter((e) => e.type !== 'hidden' && !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map((e) => e.name || e.id));
  check('every form field has a label', unlabelled.length === 0, unlabelled.join(','));
  await page.setViewport({ width: 1280, height: 800 });

  // ---- the roles: a belligerent, a humanitarian, an observer ----
  const saa = await newPage('SAA');
  await signIn(saa, tokens.SAA, 'ru');
  const saaForm = await saa.evaluate(() => ({ sources: [...document.querySelectorAll('#report-form [name=source] option')].map((o) => o.value),
    kinds: [...document.querySelectorAll('#notify-form [name=kind] option')].map((o) => o.value), dir: document.documentElement.dir }));
  await saa.evaluate((id) => window.truce.showDetails('incident', id), rep.incident_id);
  await saa.waitForSelector('#incident-title', { timeout: 30e3 });
  await saa.waitForFunction(() => document.querySelector('#incident-panel .reports li').textContent.length > 12, { timeout: 30e3 });
  const saaMonitor = await saa.evaluate(() => ({ notReadable: document.querySelector('#incident-panel .reports li').textContent, verdict: !!document.getElementById('verdict-form'), merge: !!document.getElementById('merge-form'), respond: !!document.getElementById('respond-form') }));
  check(`a belligerent (SAA, in Russian) reports as a party (${saaForm.sources.join(',')}), may notify operations, has no verdict, split or merge`,
    saaForm.sources[0] === 'party' && !saaForm.sources.includes('monitor') && saaForm.kinds.includes('operation') && !saaMonitor.verdict && !saaMonitor.merge && saaMonitor.respond &&
    hidden404 === 1 && saaMonitor.notReadable.includes('недоступно'), JSON.stringify([saaForm, saaMonitor, hidden404]));
  await saa.close();
  const ocha = await newPage('UN-OCHA');
  await signIn(ocha, tokens['UN-OCHA'], 'ar');
  const ochaForm = await ocha.evaluate(() => ({ sources: [...document.querySelectorAll('#report-form [name=source] option')].map((o) => o.value),
    kinds: [...document.querySelectorAll('#notify-form [name=kind] option')].map((o) => o.value) }));
  check(`a humanitarian agency reports as one (${ochaForm.sources.join(',')}) and notifies sites and movements, not operations (${ochaForm.kinds.join(',')})`,
    ochaForm.sources[0] === 'humanitarian' && !ochaForm.kinds.includes('operation') && ochaForm.kinds.includes('movement'));
  await ocha.close();
  const obs = await newPage('Kazakhstan');
  await signIn(obs, tokens.Kazakhstan, 'en');
  await obs.evaluate((id) => window.truce.showDetails('operation', id), op.body.id);
  await obs.waitForSelector('.op-state-now', { timeout: 30e3 });
  const obsView = await obs.evaluate(() => ({ report: document.getElementById('tab-report').hidden, notify: document.getElementById('tab-notify').hidden,
    buttons: document.querySelectorAll('.op-state button').length, state: document.querySelector('.op-state-now').dataset.state, message: !!document.getElementById('message-form') }));
  const opNow = (await apiAs(tokens.Kazakhstan, `/v1/operations/${op.body.id}`)).body;
  check(`an observer is offered no report, no notification, no message and no state change; sees operation ${op.body.id} ${obsView.state} as the API answers`,
    obsView.report && obsView.notify && obsView.buttons === 0 && !obsView.message && obsView.state === opNow.state, JSON.stringify(obsView));
  await obs.close();

  check('no console error or warning, no failed request', errors.length === 0, errors.join(' | ').slice(0, 800));
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
