// Publishing as a marketer does it, against the real collector (SQLite) in real Chromium: a
// config published through the API with the admin token reaches the demo store on the next page
// (ETag revalidation), a rollback restores the old message, a bad config gets a 422 with paths
// and changes nothing; and a page with a raw config still works through the compiler module,
// fetched only by that page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, startCollector, launchBrowser, newShopperContext, waitForMessages, eventually } from './harness.mjs';

const TOKEN = 'e2e-admin-token-0123456789';
let collector, browser;
before(async () => {
  collector = await startCollector({ env: { SHOPCUE_ADMIN_TOKEN: TOKEN } });
  browser = await launchBrowser();
});
after(async () => { await browser?.close(); await collector?.stop(); });

const demoConfig = () => JSON.parse(readFileSync(join(ROOT, 'www/shopcue/config.json'), 'utf8'));
const api = (path, init = {}) => fetch(`${collector.url}/api/sites/demo-store${path}`, {
  ...init, headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers || {}) },
});

/** Loads the low-stock product page; returns the banner's title and the config request's details. */
async function visit(page) {
  const seen = [];
  const onResponse = (r) => {
    if (!r.url().includes('/shopcue/sites/demo-store/config.json')) return;
    const request = r.request();
    seen.push(Promise.all([request.allHeaders(), r.allHeaders(), request.sizes()]).then(([sent, got, sizes]) => ({
      ifNoneMatch: sent['if-none-match'] ?? null, etag: got.etag, bodyBytes: sizes.responseBodySize,
    })));
  };
  page.on('response', onResponse);
  await page.goto(`${collector.url}/product.html?id=linen-shirt`);
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  page.off('response', onResponse);
  return { title: m.title, config: await Promise.all(seen) };
}

test('publish with the token, revalidate on the next page, roll back, and refuse a bad config', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  const first = await visit(page);
  assert.equal(first.title, '残りわずか：リネンシャツは残り2点です', 'version 1, published by the harness');
  const v1tag = first.config[0].etag;
  assert.match(v1tag, /^"v1-/);

  // Without the token: refused, and nothing changes.
  const edited = demoConfig();
  edited.scenarios[0].message = { title: { ja: '急いで！{{item.name}}はあと{{item.stock}}点', en: 'Hurry: {{item.name}}' } };
  const refused = await fetch(`${collector.url}/api/sites/demo-store/config`, { method: 'PUT', body: JSON.stringify(edited) });
  assert.equal(refused.status, 401);

  const published = await api('/config?author=mika&note=urgent%20copy', { method: 'PUT', body: JSON.stringify(edited) });
  assert.equal(published.status, 201, await published.clone().text());
  assert.equal((await published.json()).version, 2);

  // The next page asks with the old ETag, gets version 2 and shows its message.
  const second = await visit(page);
  assert.equal(second.title, '急いで！リネンシャツはあと2点');
  assert.equal(second.config[0].ifNoneMatch, v1tag, 'revalidated with the ETag it had');
  assert.match(second.config[0].etag, /^"v2-/);
  // And the page after that revalidates again: a bodiless 304 (Playwright reports the cached 200).
  const third = await visit(page);
  assert.equal(third.title, '急いで！リネンシャツはあと2点');
  assert.equal(third.config[0].ifNoneMatch, second.config[0].etag);
  assert.equal(third.config[0].bodyBytes, 0, JSON.stringify(third.config));
  assert.ok(second.config[0].bodyBytes > 0, 'the new version came with its body');

  // Roll back to version 1: published again as version 3.
  const rolled = await api('/config/rollback?version=1&author=mika', { method: 'POST' });
  assert.equal(rolled.status, 201);
  assert.equal((await rolled.json()).version, 3);
  assert.equal((await visit(page)).title, '残りわずか：リネンシャツは残り2点です');

  // A bad config: 422 with every problem and its path; the store keeps the live one.
  const bad = demoConfig();
  bad.scenarios.push({ preset: 'cart_low_stok' }, { id: 'x', message: { title: '{{item.nmae}}' } });
  const rejected = await api('/config', { method: 'PUT', body: JSON.stringify(bad) });
  assert.equal(rejected.status, 422);
  const { problems } = await rejected.json();
  const n = demoConfig().scenarios.length;
  assert.deepEqual(problems.map((p) => p.path), [`$.scenarios[${n}].preset`, `$.scenarios[${n + 1}].message.title`]);
  assert.equal((await visit(page)).title, '残りわずか：リネンシャツは残り2点です');

  const versions = await (await api('/config/versions')).json();
  assert.deepEqual(versions.map((v) => [v.version, v.action]), [[3, 'rollback'], [2, 'publish'], [1, 'publish']]);
  const audit = await (await api('/audit')).json();
  assert.deepEqual(audit.map((e) => e.action), ['refused', 'rollback', 'publish', 'publish'], 'a 401 is not an author');
  await context.close();
});

test('the collector down: a returning shopper\'s page uses the config it kept; a first visit says why it has none', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  const warnings = [];
  page.on('console', (m) => { if (m.text().startsWith('[shopcue]') && m.type() !== 'info') warnings.push(m.text()); });
  const live = await visit(page);
  const kept = await page.evaluate(() => localStorage.getItem('shopcue:demo-store:config'));
  assert.equal(JSON.parse(kept).site, 'demo-store', 'the loaded config is kept');

  // The control plane answers 503, then not at all: the kept copy is used, with a warning.
  for (const [outage, why] of [[(r) => r.fulfill({ status: 503, body: 'down' }), 'answered HTTP 503'], [(r) => r.abort(), 'could not fetch']]) {
    await context.route('**/shopcue/sites/demo-store/config.json*', outage);
    warnings.length = 0;
    assert.equal((await visit(page)).title, live.title);
    assert.deepEqual(warnings, [`[shopcue] config not loaded: ${why === 'could not fetch' ? 'could not fetch /shopcue/sites/demo-store/config.json' : `/shopcue/sites/demo-store/config.json ${why}`}; using the copy this browser kept from an earlier page`]);
    await context.unroute('**/shopcue/sites/demo-store/config.json*');
  }
  // Accepted and never answered: given up on after 8 s, by the loader's early request and by
  // the widget's own (an init made after it loaded).
  await context.route('**/shopcue/sites/demo-store/config.json*', () => { /* no answer */ });
  for (const path of ['/product.html?id=linen-shirt', '/fixtures/late-init.html']) {
    warnings.length = 0;
    const started = Date.now();
    await page.goto(collector.url + path);
    const [m] = await waitForMessages(page, (ms) => ms.length === 1, 15_000);
    assert.equal(m.title, live.title, path);
    assert.ok(Date.now() - started >= 7_000, `${path}: not before the 8 s timeout`);
    assert.deepEqual(warnings, ['[shopcue] config not loaded: could not fetch /shopcue/sites/demo-store/config.json; using the copy this browser kept from an earlier page']);
  }
  await context.unroute('**/shopcue/sites/demo-store/config.json*');

  // A shopper whose browser kept nothing: no message, and the reason.
  const fresh = await newShopperContext(browser);
  await fresh.route('**/shopcue/sites/demo-store/config.json*', (r) => r.fulfill({ status: 503, body: 'down' }));
  const other = await fresh.newPage();
  const errors = [];
  other.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await other.goto(`${collector.url}/product.html?id=linen-shirt`);
  await other.waitForFunction(() => window.shopcue && window.shopcue.loaded);
  await other.waitForTimeout(1000);
  assert.deepEqual(await waitForMessages(other, () => true), []);
  assert.ok(errors.some((e) => e.includes('config not loaded: /shopcue/sites/demo-store/config.json answered HTTP 503')), errors.join('\n'));
  await fresh.close();
  await context.close();
});

test('a page with a raw config works through the compiler module, which only it fetches', async () => {
  const context = await newShopperContext(browser, { locale: 'en-US' });
  const page = await context.newPage();
  const compiler = [];
  const logs = [];
  page.on('request', (r) => { if (r.url().endsWith('/shopcue_compile.wasm')) compiler.push(r.url()); });
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));

  await page.goto(`${collector.url}/product.html?id=linen-shirt`);
  await waitForMessages(page, (ms) => ms.length === 1);
  assert.deepEqual(compiler, [], 'a published (compiled) config needs no compiler');

  await page.goto(`${collector.url}/fixtures/raw-config.html`);
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(m.title, 'Raw and compiled here: Tee');
  assert.equal(compiler.length, 1);
  const hints = logs.filter((l) => l.startsWith('info: [shopcue] this config is raw'));
  assert.equal(hints.length, 1, logs.join('\n'));
  assert.match(hints[0], /PUT \/api\/sites\/demo-store\/config/);

  // A raw config with a mistake: one console error with its path, from the same compiler.
  logs.length = 0;
  await page.goto(`${collector.url}/fixtures/raw-config.html?bad`);
  const error = await (async () => {
    for (let i = 0; i < 100; i++) {
      const e = logs.find((l) => l.startsWith('error:') && l.includes('[shopcue]')); // not the fixture's favicon 404
      if (e) return e;
      await page.waitForTimeout(50);
    }
    return null;
  })();
  assert.ok(error && error.includes('$.scenarios[0].preset') && error.includes('page_low_stock'), logs.join('\n'));
  // Only a config that compiles gets the advice to publish it: here the error is all there is.
  assert.deepEqual(logs.filter((l) => l.includes('this config is raw')), [], logs.join('\n'));

  // A raw config fetched by URL is read as publishing reads it: a key written twice is refused
  // at its line and column, not resolved silently as JSON.parse would.
  logs.length = 0;
  await page.goto(`${collector.url}/fixtures/raw-config.html?twice`);
  const twice = await eventually(() => logs.find((l) => l.startsWith('error:') && l.includes('[shopcue]')), 5000, 'the error');
  assert.match(twice, /invalid JSON at line 7, column 3: "scenarios" is already set in this object/, logs.join('\n'));
  assert.deepEqual(logs.filter((l) => l.includes('this config is raw')), [], logs.join('\n'));
  assert.deepEqual(await page.evaluate(() => document.querySelectorAll('shopcue-message').length), 0);
  await context.close();
});

test('a preview link shows a draft to the browser that opens it, and counts nothing', async () => {
  const draft = demoConfig();
  draft.scenarios[0] = { preset: 'page_low_stock', id: 'draft_low_stock', message: { title: { ja: '下書き：{{item.name}}', en: 'Draft: {{item.name}}' } } };
  const made = await api('/preview?ttl_s=600&author=mika', { method: 'POST', body: JSON.stringify(draft) });
  assert.equal(made.status, 201, await made.clone().text());
  const { token, query } = await made.json();
  assert.equal(query, `shopcue_preview=${token}`);

  const marketer = await newShopperContext(browser);
  const page = await marketer.newPage();
  const sent = [];
  page.on('request', (r) => { if (r.url().endsWith('/collect')) sent.push(r.url()); });
  const logs = [];
  page.on('console', (m) => logs.push(m.text()));
  await page.goto(`${collector.url}/product.html?id=linen-shirt&${query}`);
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(m.scenario, 'draft_low_stock');
  assert.equal(m.title, '下書き：リネンシャツ');
  assert.ok(logs.some((l) => l.includes('previewing a draft config')), logs.join('\n'));
  // Another shopper at the same time: the live config.
  const shopper = await newShopperContext(browser);
  const other = await shopper.newPage();
  await other.goto(`${collector.url}/product.html?id=linen-shirt`);
  const [live] = await waitForMessages(other, (ms) => ms.length === 1);
  assert.equal(live.scenario, 'page_low_stock');
  await shopper.close();

  // The marketer's own next page without the link: the live config, and only its own events sent.
  await page.goto(`${collector.url}/product.html?id=linen-shirt`);
  const [after] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(after.scenario, 'page_low_stock');
  await page.close({ runBeforeUnload: true });
  await marketer.close();
  const counted = () => collector.query("SELECT count(*) AS n FROM events WHERE scenario_id = 'page_low_stock'")[0].n;
  for (let i = 0; i < 100 && counted() < 2; i++) await new Promise((ok) => setTimeout(ok, 100));
  assert.ok(counted() >= 2, 'the live pages were counted');
  assert.equal(collector.query("SELECT count(*) AS n FROM events WHERE scenario_id = 'draft_low_stock'")[0].n, 0, 'the preview never');
  const bad = await fetch(`${collector.url}/shopcue/sites/demo-store/config.json?preview=draft.00000000000000000000000000000000`);
  assert.equal(bad.status, 404);
});

test('a marketer signs in with the admin password and reads the dashboard', async () => {
  const bin = process.env.SHOPCUE_COLLECTOR || join(ROOT, 'target/debug/shopcue-collector');
  const hash = execFileSync(bin, ['hash-password'], { input: 'correct horse battery staple\n', encoding: 'utf8' }).trim();
  const secured = await startCollector({ env: { SHOPCUE_ADMIN_PASSWORD_HASH: hash }, publish: false });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${secured.url}/dashboard?site=demo-store`);
    assert.equal(new URL(page.url()).pathname, '/login', 'sent to sign in first');
    await page.getByLabel('Admin password').fill('not the password');
    await page.keyboard.press('Enter');
    await page.getByText('Wrong password.').waitFor();
    await page.getByLabel('Admin password').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 10_000 });
    const back = new URL(page.url()); // the dashboard then writes its period into the address too
    assert.deepEqual([back.pathname, back.searchParams.get('site')], ['/dashboard', 'demo-store'], 'back where it was going');
    // Signed out while the page is open (the cookie gone): Show says so, with the way back here.
    assert.ok(await page.locator('#signin').isHidden());
    const cookies = await context.cookies();
    await context.clearCookies();
    await page.getByRole('button', { name: 'Show' }).click();
    await page.locator('#signin').waitFor();
    const again = new URL(await page.getAttribute('#signin-link', 'href'), secured.url);
    const here = new URL(page.url());
    assert.deepEqual([again.pathname, again.searchParams.get('next')], ['/login', here.pathname + here.search]);
    assert.equal(here.searchParams.get('site'), 'demo-store');
    await context.addCookies(cookies);
    // The session works for the API too (reads), and its writes need the CSRF token.
    const session = await page.evaluate(() => fetch('/api/session').then((r) => r.json()));
    assert.equal(session.via, 'login');
    const put = (headers) => page.evaluate(([config, headers]) => fetch('/api/sites/demo-store/config', { method: 'PUT', body: config, headers })
      .then((r) => r.status), [readFileSync(join(ROOT, 'www/shopcue/config.json'), 'utf8'), headers]);
    assert.equal(await put({}), 403);
    assert.equal(await put({ 'X-CSRF-Token': session.csrf }), 201);
    await context.close();
  } finally {
    await secured.stop();
  }
});
