// traffic.mjs — the dashboard's live tracks and traffic list (issue 16) in a real browser
// (Debian's chromium driven by puppeteer-core) against a real `truce serve` with the demo
// scenario. Checks: the tracks layer holds exactly the tracks the API's live picture answers
// the party (a restricted track of another party is never drawn, nor named anywhere on the
// page), each with a label; a second position grows the trail; an alert raised while the
// page is open reaches the traffic list over the notice stream and highlights the track;
// an alert about restricted traffic says so, with its distance band; no console error and no
// request off the server. Screenshot to TRUCE_ARTIFACTS. Exit 77 (skip) without chromium.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = process.env.TRUCE_ROOT || resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = process.env.TRUCE_BIN || join(root, 'build/truce');
const artifacts = resolve(process.env.TRUCE_ARTIFACTS || 'web-artifacts');
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
const deadline = setTimeout(() => { console.error('traffic browser test: over its 240 s limit'); cleanup(); process.exit(1); }, 240e3);

let passed = 0, failed = 0, server = null, browser = null, work = null;
function check(name, ok, detail = '') {
  if (ok) { passed++; console.log(`ok   ${name}`); } else { failed++; console.log(`FAIL ${name} ${detail}`); }
}
function cleanup() {
  if (browser) browser.process()?.kill('SIGKILL');
  if (server) server.kill('SIGTERM');
  if (work) rmSync(work, { recursive: true, force: true });
}
if (!existsSync(chromium)) { console.log(`skip: no ${chromium}`); process.exit(77); }
const webRoot = join(root, 'web/dist');
if (!existsSync(join(webRoot, 'index.html'))) { console.error('web/dist is not built'); process.exit(1); }
const require = createRequire(join(root, 'web/package.json'));
const puppeteer = require('puppeteer-core');

work = mkdtempSync(join(tmpdir(), 'truce-traffic-'));
const db = join(work, 'web.db');
const r0 = spawnSync(bin, ['import', 'scenario', join(root, 'scenarios/syria-2016-2017.json'), '--db', db, '--tokens', join(work, 'tok.tsv')], { encoding: 'utf8' });
if (r0.status !== 0) throw new Error(r0.stderr);
const tokens = Object.fromEntries(readFileSync(join(work, 'tok.tsv'), 'utf8').trim().split('\n').map((l) => { const [n, , t] = l.split('\t'); return [n, t]; }));

server = spawn(bin, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--web', webRoot, '--track-stale-s', '600'], { stdio: ['ignore', 'ignore', 'pipe'] });
const base = await new Promise((res, rej) => {
  let buf = '';
  const timer = setTimeout(() => rej(new Error('truce serve did not start')), 30000);
  server.stderr.on('data', (d) => { buf += d; const m = /listening on (http:\/\/[^\s]+)/.exec(buf); if (m) { clearTimeout(timer); res(m[1]); } });
  server.on('exit', () => rej(new Error(`truce serve exited: ${buf}`)));
});
server.stderr.resume();

async function apiAs(party, path, body) {
  const r = await fetch(base + path, { method: body ? 'POST' : 'GET', body: body ? JSON.stringify(body) : undefined,
    headers: { Authorization: `Bearer ${tokens[party]}`, 'Content-Type': 'application/json' } });
  return { status: r.status, body: await r.json() };
}
const t0 = Date.now();
const at = (s) => new Date(t0 + s * 1000).toISOString();
const kx = (lat) => 111320 * Math.cos((lat * Math.PI) / 180);
const pos = (track, s, x, y, alt, vx, vy, extra = {}) => ({ track, at: at(s), lon: 37.0 + x / kx(36.2), lat: 36.2 + y / 110950, alt_m: alt,
  vx_mps: vx, vy_mps: vy, vz_mps: 0, ...extra });

try {
  let r = await apiAs('SAA', '/v1/tracks', pos('SAA-1', 0, 0, 0, 3000, 200, 0, { callsign: 'SYR101' }));
  check('SAA reports a track', r.status === 201, JSON.stringify(r.body));
  const saaId = r.body.tracks[0].id;
  await apiAs('Opposition', '/v1/tracks', pos('OPP-1', 0, 0, 60000, 2000, 0, 100));
  await apiAs('Russia', '/v1/tracks', pos('RU-1', 0, 80000, -60000, 8000, 0, 0, { visibility: [] }));
  const picture = (await apiAs('SAA', '/v1/tracks')).body.features.map((f) => f.properties.track).sort();
  check('the API answers SAA two tracks (not the restricted one)', JSON.stringify(picture) === '["OPP-1","SAA-1"]', picture);

  mkdirSync(artifacts, { recursive: true });
  browser = await puppeteer.launch({ executablePath: chromium, headless: 'new', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  const consoleErrors = [], offServer = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('request', (q) => { if (!q.url().startsWith(base) && !q.url().startsWith('data:')) offServer.push(q.url()); });
  await page.goto(base + '/');
  await page.type('#token', tokens.SAA);
  await page.click('#signin-form button[type=submit]');
  await page.waitForFunction(() => document.body.dataset.ready === 'true', { timeout: 90e3 });
  await page.waitForFunction(() => window.truce.traffic && window.truce.traffic.tracks.size === 2, { timeout: 20e3 }).catch(() => {});
  const drawn = await page.evaluate(() => [...window.truce.traffic.tracks.values()].map((t) => t.props.track).sort());
  check('the tracks layer holds what the API answers', JSON.stringify(drawn) === JSON.stringify(picture), drawn);
  const legend = await page.$eval('[data-layer="tracks"]', (e) => e.dataset.count).catch(() => null);
  check('the legend counts the tracks', legend === '2', legend);
  const labels = await page.$$eval('.track-label', (els) => els.map((e) => e.textContent));
  check('each track has a label (callsign or id, flight level)', labels.includes('SYR101 FL098') && labels.some((l) => l.startsWith('OPP-1')), labels);

  // A second position: the trail grows.
  await apiAs('SAA', '/v1/tracks', pos('SAA-1', 2, 400, 0, 3000, 200, 0));
  await page.waitForFunction((id) => (window.truce.traffic.tracks.get(id)?.trail.length || 0) >= 2, { timeout: 10e3 }, saaId).catch(() => {});
  const trail = await page.evaluate((id) => window.truce.traffic.tracks.get(id)?.trail.length, saaId);
  check('a second position grows the trail', trail === 2, trail);

  // An alert while the page is open: over the stream, into the traffic list.
  await page.click('#tab-traffic');
  const sent = Date.now();
  r = await apiAs('Opposition', '/v1/tracks', pos('OPP-2', 2, 25000, 0, 3000, -200, 0, { callsign: 'FSA7' }));
  check('a converging track raises an alert', r.body.alerts === 1, JSON.stringify(r.body));
  await page.waitForSelector('.traffic-list li', { timeout: 10e3 }).catch(() => {});
  const took = Date.now() - sent;
  const item = await page.$eval('.traffic-list li', (e) => ({ text: e.textContent, level: e.dataset.level })).catch(() => null);
  check('the traffic list shows the alert from the stream', item && item.text.includes('FSA7') && item.text.includes('SYR101'), JSON.stringify(item));
  console.log(`     (the alert reached the list ${took} ms after the position was sent)`);
  const lv = await page.evaluate((id) => window.truce.traffic.levels().get(id) || 0, saaId);
  check('the track in the alert is highlighted by its level', lv >= 1 && String(lv) === item?.level, `${lv} vs ${item?.level}`);

  // Restricted traffic: announced as such, never drawn or named.
  await apiAs('Russia', '/v1/tracks', pos('RU-1', 3, 80000, -60000, 8000, 0, 0));
  await apiAs('SAA', '/v1/tracks', pos('SAA-3', 3, 60000, -60000, 8000, 250, 0, { callsign: 'SYR303' }));
  await page.waitForFunction(() => [...document.querySelectorAll('.traffic-list li')].some((e) => e.textContent.includes('restricted traffic')), { timeout: 10e3 }).catch(() => {});
  const texts = await page.$$eval('.traffic-list li', (els) => els.map((e) => e.textContent));
  check('an alert about a restricted track says "restricted traffic" and a distance band',
    texts.some((t) => t.includes('restricted traffic (Russia), 10-20 NM')), texts);
  const html = await page.content();
  const state = await page.evaluate(() => JSON.stringify([...window.truce.traffic.tracks.values()].map((t) => t.props)));
  check('the restricted track is nowhere on the page', !html.includes('RU-1') && !state.includes('RU-1'));
  await page.screenshot({ path: join(artifacts, 'traffic.png') });
  check('no console error', consoleErrors.length === 0, consoleErrors.join(' | '));
  check('no request off the server', offServer.length === 0, offServer.join(' '));
} catch (e) {
  failed++;
  console.log(`FAIL ${e.stack || e}`);
} finally {
  clearTimeout(deadline);
  cleanup();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
