// Builds the dashboard into dist/: one bundled, minified script and stylesheet with
// content hashes in their names (served with a year's cache), and index.html (no-cache)
// that names them. Everything the page needs is in dist/: no CDN, no outside request.
import * as esbuild from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'dist');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

// The routes the page may call: those docs/openapi.yaml documents (the page is built with the
// server from one tree). A capability that lands later (hazards, exports, the notice stream)
// is used once its route is documented, and never probed with a request that would fail.
const routes = [];
let path = null;
for (const line of readFileSync(join(here, '../docs/openapi.yaml'), 'utf8').split('\n')) {
  const p = /^  (\/[^:]*):\s*$/.exec(line);
  if (p) { path = p[1]; continue; }
  if (/^\S/.test(line)) path = null;
  const m = /^    (get|put|post|delete|patch):\s*$/.exec(line);
  if (path && m) routes.push(`${m[1].toUpperCase()} ${path}`);
}
if (routes.length < 10) throw new Error('build: no routes found in docs/openapi.yaml');

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
