// Builds the dashboard into dist/: one bundled, minified script and stylesheet with
// content hashes in their names (served with a year's cache), and index.html (no-cache)
// that names them. Everything the page needs is in dist/: no CDN, no outside request.
import * as esbuild from 'esbuild';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'dist');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

// The routes the page may call: those docs/openapi.yaml documents (the page is built with the
// server from one tree), each with the roles its x-roles admits. A capability that lands
// later (hazards, exports, the notice stream) is used once its route is documented, and never
// probed with a request that would fail; a form is offered only to the roles that may use it.
const routes = {};
let path = null, method = null;
for (const line of readFileSync(join(here, '../docs/openapi.yaml'), 'utf8').split('\n')) {
  const p = /^  (\/[^:]*):\s*$/.exec(line);
  if (p) { path = p[1]; method = null; continue; }
  if (/^\S/.test(line)) path = null;
  const m = /^    (get|put|post|delete|patch):\s*$/.exec(line);
  if (path && m) { method = `${m[1].toUpperCase()} ${path}`; routes[method] = []; continue; }
  const r = /^      x-roles:\s*(.*)$/.exec(line);
  if (path && method && r) routes[method] = r[1].startsWith('[') ? r[1].replace(/[[\]\s]/g, '').split(',') : r[1].trim();
}
if (Object.keys(routes).length < 10) throw new Error('build: no routes found in docs/openapi.yaml');

// The catalogs: every language has every key of English with the plural forms its language
// needs; a key the sources use literally (t('…')) must be in English. Missing translations
// are listed (the page falls back to English and the browser test fails on them).
const cats = Object.fromEntries(['en', 'ar', 'ru'].map((l) => [l, JSON.parse(readFileSync(join(here, `src/i18n/${l}.json`), 'utf8'))]));
const FORMS = { en: ['one', 'other'], ru: ['one', 'few', 'many', 'other'], ar: ['zero', 'one', 'two', 'few', 'many', 'other'] };
const problems = [];
for (const [l, cat] of Object.entries(cats)) {
  for (const [k, v] of Object.entries(cats.en)) {
    if (cat[k] === undefined) { problems.push(`${l}: no "${k}"`); continue; }
    if (typeof v !== typeof cat[k]) problems.push(`${l}: "${k}" is ${typeof cat[k]}, English ${typeof v}`);
    if (typeof cat[k] === 'object') for (const f of FORMS[l]) if (typeof cat[k][f] !== 'string') problems.push(`${l}: "${k}" lacks the plural form ${f}`);
    const ph = (x) => [...JSON.stringify(x).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().filter((x, i, a) => a.indexOf(x) === i).join(',');
    if (l !== 'en' && cat[k] !== undefined && ph(cat[k]) !== ph(v)) problems.push(`${l}: "${k}" has placeholders {${ph(cat[k])}}, English {${ph(v)}}`);
  }
  for (const k of Object.keys(cat)) if (cats.en[k] === undefined) problems.push(`${l}: "${k}" is not in English`);
}
for (const f of readdirSync(join(here, 'src')).filter((x) => x.endsWith('.js'))) {
  for (const m of readFileSync(join(here, 'src', f), 'utf8').matchAll(/\bt\('([\w.]+)'/g)) {
    if (cats.en[m[1]] === undefined) problems.push(`${f}: t('${m[1]}') is not in en.json`);
  }
}
if (problems.length) {
  console.warn(`web: catalogs:\n  ${problems.join('\n  ')}`);
  if (problems.some((x) => x.startsWith('en:') || x.includes('.js:') || x.includes('is not in English') || x.includes('placeholders'))) process.exit(1);
}

const result = await esbuild.build({
  define: { TRUCE_ROUTES: JSON.stringify(routes) },
  absWorkingDir: here,
  entryPoints: { app: 'src/main.js' },
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  format: 'esm',
  target: ['chrome105', 'firefox110', 'safari16'],
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  loader: { '.png': 'file', '.svg': 'file' },
  charset: 'utf8',
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const js = outputs.find((f) => f.startsWith('app-') && f.endsWith('.js'));
const css = outputs.find((f) => f.startsWith('app-') && f.endsWith('.css'));
if (!js || !css) throw new Error(`build: missing outputs in ${outputs.join(', ')}`);
const html = readFileSync(join(here, 'src/index.html'), 'utf8')
  .replace('%CSS%', `/assets/${css}`)
  .replace('%JS%', `/assets/${js}`);
writeFileSync(join(out, 'index.html'), html);
console.log(`web: built dist/ (${js}, ${css})`);
