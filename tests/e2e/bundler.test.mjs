// The npm package as a frontend developer meets it: installed into an app's node_modules and
// run through real bundlers with no configuration of theirs for it (Vite 7 and Vite 8: the dev
// server and `vite build`; webpack 5), in Chromium, beaconing to the real collector through
// Vite's proxy. Vite 7's dev server is the one that leaves the package's .wasm files behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vite8 from 'vite';
import * as vite7 from 'vite7';
import webpack from 'webpack';
import { ROOT, startCollector, launchBrowser, newShopperContext, eventually } from './harness.mjs';

let collector, browser;
const apps = [];

/** An app with `shopcue` in node_modules as `npm install` leaves it: the files package.json lists. */
function makeApp() {
  const dir = mkdtempSync(join(tmpdir(), 'shopcue-app-'));
  apps.push(dir);
  const pkg = join(dir, 'node_modules/shopcue');
  mkdirSync(pkg, { recursive: true });
  const npm = join(ROOT, 'dist/npm');
  const { files } = JSON.parse(readFileSync(join(npm, 'package.json'), 'utf8'));
  for (const f of [...files, 'package.json']) cpSync(join(npm, f), join(pkg, f));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'my-store', private: true, type: 'module' }));
  writeFileSync(join(dir, 'index.html'), `<!doctype html><html lang="en"><head><meta charset="utf-8">
<link rel="icon" href="data:,"><title>My store</title></head>
<body><h1>Linen shirt</h1><script type="module" src="/main.js"></script></body></html>`);
  // A raw config (so the compiler module must be found too) and one product view.
  writeFileSync(join(dir, 'main.js'), `import { Shopcue } from 'shopcue';
const config = { version: 1, site: 'vite-app', locale: 'en-US', currency: 'USD', holdout: 0,
  scenarios: [{ preset: 'page_low_stock' }] };
window.__messages = [];
Shopcue.load({ site: 'vite-app', config, endpoint: '/collect' }).then((shopcue) => {
  shopcue.on('message', (m) => window.__messages.push(m.title));
  shopcue.track('view_item', { items: [{ item_id: 'linen-shirt', item_name: 'Linen shirt', price: 59.9, stock: 2 }] });
}, (e) => { window.__failed = e.message; });
`);
  return dir;
}

before(async () => {
  collector = await startCollector({ publish: false });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await collector?.stop();
  for (const dir of apps) rmSync(dir, { recursive: true, force: true });
});

/** Vite's options for an app: no config file, beacons proxied to the collector. */
const options = (app, outDir = 'dist') => ({
  root: app, configFile: false, logLevel: 'silent', clearScreen: false,
  server: { host: '127.0.0.1', port: 0, proxy: { '/collect': collector.url } },
  preview: { host: '127.0.0.1', port: 0, proxy: { '/collect': collector.url } },
  build: { outDir: join(app, outDir), emptyOutDir: true },
});

/** Serves a built folder of an app (`vite preview`: static files, /collect proxied); runs `f(url)`. */
async function served(app, outDir, f) {
  const server = await vite8.preview(options(app, outDir));
  try {
    await f(server.resolvedUrls.local[0]);
  } finally {
    await new Promise((ok) => server.httpServer.close(ok));
  }
}

/**
 * Opens the app at `url` and checks what every bundler must give: the message, no error or
 * warning on the console, and (after leaving the page: pagehide sends the queue) its view at the
 * collector. Returns the .wasm files it fetched, with their statuses.
 */
async function visit(url) {
  const before = views();
  const context = await newShopperContext(browser, { locale: 'en-US' });
  try {
    const page = await context.newPage();
    const problems = [], wasm = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text()); });
    page.on('response', (r) => { if (r.url().endsWith('.wasm')) wasm.push(`${r.status()} ${new URL(r.url()).pathname}`); });
    await page.goto(url);
    await page.waitForFunction(() => window.__messages.length || window.__failed, null, { timeout: 20_000 });
    assert.equal(await page.evaluate(() => window.__failed), undefined);
    assert.deepEqual(await page.evaluate(() => window.__messages), ['Only 2 left: Linen shirt']);
    await page.goto('about:blank');
    await eventually(() => views() > before, 10_000, 'the view_item at the collector');
    assert.deepEqual(problems, []);
    return wasm;
  } finally {
    await context.close();
  }
}

const views = () => collector.query("SELECT count(*) AS n FROM events WHERE site = 'vite-app' AND name = 'view_item'")[0].n;

for (const [name, vite] of [['Vite 7', vite7], ['Vite 8', vite8]]) {
  const app = makeApp(); // each its own, with its own dependency cache in node_modules/.vite

  test(`${name}'s dev server, no config: the package finds its .wasm files`, async () => {
    const server = await vite.createServer(options(app));
    await server.listen();
    try {
      const wasm = await visit(server.resolvedUrls.local[0]);
      assert.deepEqual(wasm, ['200 /node_modules/shopcue/shopcue_wasm_bg.wasm', '200 /node_modules/shopcue/shopcue_compile.wasm']);
    } finally {
      await server.close();
    }
  });

  test(`${name}'s build, served by vite preview: both .wasm files are emitted as assets and load from there`, async () => {
    await vite.build(options(app));
    const assets = readdirSync(join(app, 'dist/assets'));
    for (const file of ['shopcue_wasm_bg', 'shopcue_compile']) {
      assert.ok(assets.some((f) => f.startsWith(file) && f.endsWith('.wasm')), `${file}.wasm in ${assets}`);
    }
    await served(app, 'dist', async (url) => {
      const wasm = await visit(url);
      assert.equal(wasm.length, 2);
      for (const w of wasm) assert.match(w, /^200 \/assets\/shopcue_(wasm_bg|compile)-[\w-]+\.wasm$/);
    });
  });
}

test('webpack 5, production build: both .wasm files are emitted as assets and load from there', async () => {
  const app = makeApp();
  const out = join(app, 'wp-dist');
  const stats = await new Promise((ok, fail) => webpack({
    mode: 'production', context: app, entry: './main.js', output: { path: out, publicPath: 'auto' },
  }, (e, s) => (e ? fail(e) : ok(s))));
  assert.deepEqual(stats.toJson({ all: false, errors: true }).errors, []);
  const wasm = readdirSync(out).filter((f) => f.endsWith('.wasm'));
  assert.equal(wasm.length, 2, `two .wasm files in ${readdirSync(out)}`);
  writeFileSync(join(out, 'index.html'), readFileSync(join(app, 'index.html'), 'utf8')
    .replace('<script type="module" src="/main.js"></script>', '<script src="/main.js"></script>'));
  await served(app, 'wp-dist', async (url) => {
    assert.deepEqual((await visit(url)).sort(), wasm.map((f) => `200 /${f}`).sort());
  });
});
