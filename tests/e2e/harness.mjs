// Shared harness for end-to-end tests: the real collector (SQLite file in a temp dir) serving
// the demo store and the built widget, and headless Debian Chromium driven by playwright-core.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACTS = join(ROOT, 'test-artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

/**
 * Every process a test file starts carries this mark in its environment, so that whatever it
 * leaves behind (a browser whose test failed before `after`, a crash reporter Chromium forked
 * off, a collector of a test that threw) is found and killed when the file's process exits.
 * scripts/ci/e2e.sh sets SHOPCUE_E2E_RUN for the whole job and fails if anything marked
 * survives it.
 */
const OWNER = `SHOPCUE_E2E_OWNER=${process.pid}`;
export const markedEnv = () => ({ ...process.env, SHOPCUE_E2E_OWNER: String(process.pid) });

/** The pids of live processes whose environment holds `mark` (`NAME=value`). */
export function processesMarked(mark) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(mark)) found.push(Number(entry));
    } catch { /* gone already, or not ours to read */ }
  }
  return found;
}

process.on('exit', () => {
  for (const pid of processesMarked(OWNER)) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
});

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/**
 * Starts the collector on a free loopback port; resolves once it prints its URL and the demo
 * store's config (www/shopcue/config.json) is published through the API, as `./x demo` does.
 * `env` adds environment variables (SHOPCUE_ADMIN_TOKEN: then publishing uses that token);
 * `args`, command-line flags; `statics`, the folders (under the repository) served as static files.
 */
export async function startCollector({ env = {}, publish = true, args = [], statics = ['dist', 'www', 'tests/e2e/site'] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'shopcue-e2e-'));
  const db = join(dir, 'events.sqlite');
  const bin = process.env.SHOPCUE_COLLECTOR || join(ROOT, 'target/debug/shopcue-collector');
  const child = spawn(bin, ['--listen', '127.0.0.1:0', '--db', db, ...statics.flatMap((dir) => ['--static', join(ROOT, dir)]), ...args],
  { stdio: ['ignore', 'pipe', 'inherit'], env: { ...markedEnv(), ...env } });
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('collector did not start in 10 s')), 10_000);
    child.once('exit', (code) => fail(new Error(`collector exited with ${code}`)));
    child.stdout.on('data', (chunk) => {
      const m = /listening on (http:\/\/[^/ ]+)\//.exec(String(chunk));
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
  });
  if (publish) {
    const token = env.SHOPCUE_ADMIN_TOKEN;
    const r = await fetch(`${url}/api/sites/demo-store/config?author=e2e&note=demo%20store`, {
      method: 'PUT', body: readFileSync(join(ROOT, 'www/shopcue/config.json')),
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    if (r.status !== 201) throw new Error(`publishing the demo config: ${r.status} ${await r.text()}`);
  }
  return {
    url, db,
    /** Runs SQL against the collector's SQLite file (read-only), returns rows. */
    query(sql) {
      const out = execFileSync('sqlite3', ['-readonly', '-json', db, sql], { encoding: 'utf8' });
      return out.trim() ? JSON.parse(out) : [];
    },
    async stop() {
      child.kill('SIGINT');
      await new Promise((ok) => { child.once('exit', ok); setTimeout(ok, 3000); });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Chromium opening `url` with no DevTools attached (playwright attaches them, and Chromium
 * prerenders nothing then: PrerenderingDisabledByDevTools), for what only an unwatched browser
 * does. `close()` ends it.
 */
export function openUnwatched(url) {
  const dir = mkdtempSync(join(tmpdir(), 'shopcue-unwatched-'));
  const child = spawn(process.env.CHROMIUM || '/usr/bin/chromium', [...CHROMIUM_ARGS, `--user-data-dir=${dir}`, url],
    { env: markedEnv(), stdio: 'ignore', detached: true });
  return {
    close() {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone already */ }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS, env: markedEnv() });
}

/**
 * A fresh browser context (empty storage) that keeps the closed shadow roots Shopcue creates,
 * so tests can read what the shopper sees. Page scripts cannot reach them; only this hook can.
 */
export async function newShopperContext(browser, options = {}) {
  const context = await browser.newContext({ locale: 'ja-JP', ...options });
  await context.addInitScript(() => {
    const orig = Element.prototype.attachShadow;
    const roots = [];
    Object.defineProperty(window, '__testShadowRoots', { value: roots });
    Element.prototype.attachShadow = function (init) {
      const root = orig.call(this, init);
      roots.push({ host: this, root, mode: init && init.mode });
      return root;
    };
  });
  return context;
}

/**
 * The Shopcue messages on the page now, as the shopper sees them: a function run in the page
 * (by Playwright here, by WebDriver in webdriver.mjs's engines), over the closed shadow roots
 * `window.__testShadowRoots` keeps (`newShopperContext`; fixtures/engines/watch.js). `close` is
 * the close button's centre in the viewport.
 */
export function readMessages() {
  return window.__testShadowRoots
    .filter(({ host }) => host.isConnected)
    .map(({ host, root, mode }) => {
      const text = (sel) => { const e = root.querySelector(sel); return e ? e.textContent : null; };
      const cta = root.querySelector('a.cta');
      const bar = root.querySelector('[data-placement]');
      const close = root.querySelector('button.x');
      const box = close && close.getBoundingClientRect();
      return {
        scenario: host.getAttribute('data-shopcue-scenario'), mode, openRoot: host.shadowRoot !== null,
        placement: bar && bar.getAttribute('data-placement'),
        title: text('.title'), body: text('.body'), cta: cta && { label: cta.textContent, href: cta.getAttribute('href') },
        live: (root.querySelector('[aria-live]') || {}).getAttribute?.('aria-live') ?? null,
        closeLabel: close ? close.getAttribute('aria-label') : null,
        close: box && [box.x + box.width / 2, box.y + box.height / 2],
      };
    });
}

/** The Shopcue messages on the page now ([`readMessages`]). */
export async function messages(page) {
  return page.evaluate(readMessages);
}

/** Waits until `predicate(messages)` holds (or fails after `ms`). */
export async function waitForMessages(page, predicate, ms = 5000) {
  const until = Date.now() + ms;
  let last = [];
  while (Date.now() < until) {
    last = await messages(page);
    if (predicate(last)) return last;
    await page.waitForTimeout(50);
  }
  throw new Error(`messages never matched; last seen: ${JSON.stringify(last)}`);
}

/** Clicks the close button of the message for `scenario` with a real mouse click. */
export async function clickClose(page, scenario) {
  const found = (await messages(page)).find((m) => m.scenario === scenario);
  await page.mouse.click(...found.close);
}

/** Polls `fn` until it returns a truthy value. */
export async function eventually(fn, ms = 10_000, what = 'condition') {
  const until = Date.now() + ms;
  let last;
  while (Date.now() < until) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not reached in ${ms} ms (last: ${JSON.stringify(last)})`);
}

/**
 * The stored queue once it stops changing (the same non-empty ids in two reads 700 ms apart):
 * during a burst the widget writes storage at most every 500 ms, so what a page just did may
 * reach storage a moment later.
 */
export async function settledQueue(page, site = 'demo-store', ms = 10_000) {
  let before = null;
  return eventually(async () => {
    const ids = (await queuedEvents(page, site)).map((e) => e.id);
    const key = JSON.stringify(ids);
    const settled = ids.length > 0 && key === before;
    before = key;
    if (!settled) await new Promise((r) => setTimeout(r, 600));
    return settled && ids;
  }, ms, 'the stored queue settled');
}

/** Every event still queued in this browser for `site`, across every page's stored outbox. */
export function queuedEvents(page, site = 'demo-store') {
  return page.evaluate((prefix) => {
    const out = [];
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      if (!k.startsWith(prefix)) continue;
      const v = JSON.parse(localStorage.getItem(k));
      out.push(...(Array.isArray(v) ? v : v.events));
    }
    return out;
  }, `shopcue:${site}:outbox`);
}
