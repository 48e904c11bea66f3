// Marketer tools in Chromium: ?shopcue_preview=<id> shows a scenario now with sample data and
// is never counted; debug: true prints one console group per decision; the dashboard warns of a
// scenario whose shoppers are not split as its config says; a scenario's goal other than a
// purchase (an event, or a page) counts as its conversion.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ARTIFACTS, startCollector, launchBrowser, newShopperContext, waitForMessages, clickClose, eventually } from './harness.mjs';

let collector, browser;
before(async () => { collector = await startCollector(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await collector?.stop(); });

test('?shopcue_preview shows a scenario now with sample data, never counted', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  const warnings = [];
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  // An in-stock product and an empty cart: cart_low_stock could never fire here.
  await page.goto(`${collector.url}/product.html?id=tee-basic&shopcue_preview=cart_low_stock`);
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(m.scenario, 'cart_low_stock');
  assert.equal(m.title, 'カートのサンプル商品は残り2点です');
  await page.waitForTimeout(400); // let the slide-in finish before clicking
  await clickClose(page, 'cart_low_stock');
  await waitForMessages(page, (ms) => ms.length === 0);
  const state = await page.evaluate(() => {
    const p = JSON.parse(localStorage.getItem('shopcue:demo-store:profile'));
    const queued = [];
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      if (k.startsWith('shopcue:demo-store:outbox')) queued.push(...JSON.parse(localStorage.getItem(k)).events.map((e) => e.name));
    }
    return { dismissed: p.dismissed, shown: p.shown, queued };
  });
  assert.deepEqual(state.dismissed, {}, 'closing a preview is not a dismissal');
  assert.deepEqual(state.shown, {}, 'nor a showing');
  assert.ok(!state.queued.some((n) => n.startsWith('shopcue_')), `no exposure or impression queued: ${state.queued}`);
  await page.goto(`${collector.url}/product.html?id=tee-basic&shopcue_preview=nope`);
  await eventually(() => warnings.some((w) => w.includes('no scenario "nope"')), 5000, 'unknown preview id warned');
  // A preview link's draft on a page whose config is inline: nothing to fetch it from, said so.
  await page.goto(`${collector.url}/fixtures/placements.html?shopcue_preview=draft.${'0'.repeat(32)}`);
  await eventually(() => warnings.some((w) => w.includes('the draft is not shown')), 5000, 'a draft on an inline config warned');
  await context.close();
});

test('debug: true prints one console group per decision, with each scenario and why', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  const lines = [];
  // The notes of one command come as one message, a line each.
  page.on('console', (m) => lines.push(...m.text().split('\n').map((l) => `${m.type()} ${l}`)));
  await page.goto(`${collector.url}/fixtures/debug.html`);
  await waitForMessages(page, (ms) => ms.length === 1);
  const group = await eventually(() => lines.find((l) => l.startsWith('startGroupCollapsed [shopcue] decision')), 5000, 'a group');
  assert.equal(group, 'startGroupCollapsed [shopcue] decision — shown: page_low_stock');
  // What this decision shows reads "shown" (explained before it was shown, not "already_shown").
  assert.ok(lines.some((l) => l.startsWith('log page_low_stock: shown ')), lines.join('\n'));
  assert.ok(lines.some((l) => /^log cart_low_stock: (no_subject|group)/.test(l)), lines.join('\n'));
  assert.ok(lines.includes('endGroup console.groupEnd'), lines.join('\n'));
  // A valid track that makes no event of its own says why: the item's second description, the
  // order tracked twice.
  assert.deepEqual(lines.filter((l) => l.startsWith('info [shopcue] track(')), [
    "info [shopcue] track('view_item'): not counted again: merged into this page's view of the item",
    "info [shopcue] track('purchase'): not counted again: order counted already in this browser",
  ]);
  // A captured push, and the page's JSON-LD, keep their events and lose the fields that do not
  // read: debug names them.
  assert.deepEqual(lines.filter((l) => l.startsWith('info [shopcue] captured ')).sort(), [
    'info [shopcue] captured add_to_wishlist: left out $.items[0].item_brand (must be a string)',
    'info [shopcue] captured add_to_wishlist: left out $.items[0].price ("Call for price" is not a readable amount)',
    'info [shopcue] captured view_item: left out $.items[0].price ("価格はお問い合わせ" is not a readable amount)',
  ]);
  const profile = await page.evaluate(() => shopcue('explain').profile);
  assert.deepEqual([profile.items, profile.favorites], [2, 1], 'the wishlist add counted');
  // explain() only reads: no decision follows it (which could show a message, or send one).
  const groups = () => lines.filter((l) => l.startsWith('startGroupCollapsed [shopcue] decision')).length;
  await page.waitForTimeout(300);
  const before = groups();
  assert.equal(await page.evaluate(() => shopcue('explain').scenarios.length > 0), true);
  await page.waitForTimeout(300);
  assert.equal(groups(), before, 'no decision after explain()');
  await context.close();
});

test('a free-shipping nudge: published with its threshold, it says what the cart lacks until the cart reaches it', async () => {
  const put = (config) => fetch(`${collector.url}/api/sites/fs-shop/config`, { method: 'PUT', body: JSON.stringify(config) });
  const config = { version: 1, site: 'fs-shop', locale: 'ja-JP', currency: 'JPY', links: { cart: '/cart.html' },
    scenarios: [{ preset: 'free_shipping_nudge' }] };
  // Without the threshold it could never show: refused at its path, nothing published.
  const refused = await put(config);
  assert.equal(refused.status, 422);
  const body = await refused.json();
  assert.deepEqual(body.problems.map((p) => p.path), ['$.scenarios[0]']);
  assert.match(body.problems[0].message, /needs "thresholds": \{"free_shipping"/);
  assert.equal((await put({ ...config, thresholds: { free_shipping: 5000 } })).status, 201);
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  await page.goto(`${collector.url}/fixtures/free-shipping.html?price=2100&qty=2`);
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(m.scenario, 'free_shipping_nudge');
  assert.match(m.title, /^あと[¥￥]800で送料無料$/);
  // One more item reaches it: nothing more to say.
  await page.goto(`${collector.url}/fixtures/free-shipping.html?price=900`);
  const why = await eventually(() => page.evaluate(() => {
    const s = window.shopcue('explain')?.scenarios?.find((x) => x.scenario_id === 'free_shipping_nudge');
    return s && s.reason;
  }), 5000, 'the scenario explained');
  assert.equal(why, 'audience');
  assert.deepEqual(await waitForMessages(page, (ms) => ms.length === 0), []);
  await context.close();
});

test('a goal other than a purchase: a newsletter message counts its sign-ups as conversions, and a purchase does not', async () => {
  const put = (config) => fetch(`${collector.url}/api/sites/goal-shop/config`, { method: 'PUT', body: JSON.stringify(config) });
  const scenario = { id: 'newsletter', message: { title: 'Join our newsletter: 10% off your next order' } };
  const config = { version: 1, site: 'goal-shop', locale: 'en-US', scenarios: [{ ...scenario, goal: 'page_view' }] };
  // A goal every visit reaches says nothing: refused at its path, nothing published.
  const refused = await put(config);
  assert.equal(refused.status, 422);
  const problems = (await refused.json()).problems;
  assert.deepEqual(problems.map((p) => p.path), ['$.scenarios[0].goal']);
  assert.match(problems[0].message, /cannot be page_view/);
  assert.equal((await put({ ...config, scenarios: [{ ...scenario, goal: 'sign_up' }] })).status, 201);
  // Four shoppers see the message: one signs up, two buy, one does neither. Their browsers stay
  // open until the report has their events (a context closed at once can cut off the beacon
  // its page sent as it left).
  const shoppers = [];
  for (const [n, act] of ['sign up', 'buy', 'buy', 'leave'].entries()) {
    const context = await newShopperContext(browser);
    shoppers.push(context);
    const page = await context.newPage();
    await page.goto(`${collector.url}/fixtures/goal.html`);
    const [m] = await waitForMessages(page, (ms) => ms.length === 1, 10_000);
    assert.equal(m.scenario, 'newsletter');
    if (act === 'sign up') await page.click('#signup button');
    if (act === 'buy') {
      await page.evaluate((n) => window.shopcue('track', 'purchase',
        { transaction_id: `goal-order-${n}`, currency: 'USD', value: 30, items: [{ item_id: 'tee', item_name: 'Tee', price: 30 }] }), n);
    }
    await page.goto('about:blank'); // leaving the page flushes the outbox (pagehide)
  }
  const report = await eventually(async () => {
    const r = await (await fetch(`${collector.url}/report?site=goal-shop`)).json();
    const s = r.scenarios.find((x) => x.scenario_id === 'newsletter');
    return s && s.variants[0].exposed === 4 && r.orders.count === 2 && r;
  }, 15_000, 'four exposures and the two orders reported');
  for (const context of shoppers) await context.close();
  const newsletter = report.scenarios.find((x) => x.scenario_id === 'newsletter');
  assert.deepEqual(newsletter.goals, ['sign_up']);
  assert.equal(newsletter.variants[0].conversions, 1, 'the sign-up, not the purchases');
  assert.equal(newsletter.variants[0].cvr, 0.25);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${collector.url}/dashboard?site=goal-shop`);
  await page.waitForSelector('body[data-loaded="true"]');
  const headers = await page.$$eval('#table th', (ths) => ths.map((th) => th.textContent));
  const row = await page.$$eval('#table tr[data-scenario="newsletter"] td', (tds) => tds.map((td) => td.textContent));
  assert.equal(row[headers.indexOf('goal')], 'sign_up');
  assert.equal(row[headers.indexOf('conversions')], '1');
  assert.equal(row[headers.indexOf('CVR')], '25.00%');
  const bars = await page.$$eval('#cvr-chart svg text', (texts) => texts.map((t) => t.textContent));
  assert.ok(bars.includes('newsletter (sign_up) · default'), `the chart names the goal: ${bars}`);
  await page.selectOption('#funnel-scenario', 'newsletter');
  assert.match(await page.locator('#funnel [data-step="conversions"] .label').textContent(), /^conversions \(sign_up\): 1 /);
  await context.close();
});

test('a page as the goal: the thank-you page of a contact form counts as the conversion, with no tracking code', async () => {
  const put = (config) => fetch(`${collector.url}/api/sites/contact-shop/config`, { method: 'PUT', body: JSON.stringify(config) });
  const scenario = { id: 'ask', message: { title: 'Questions before you buy? Ask us' },
    audience: { 'page.path': { $regex: '^/fixtures/contact\\.html$' } } };
  const config = { version: 1, site: 'contact-shop', locale: 'en-US', scenarios: [{ ...scenario, goal: '/fixtures/contact-thanks.html?sent=1' }] };
  // The page's address with its query: the path is matched without it, so it is refused.
  const refused = await put(config);
  assert.equal(refused.status, 422);
  const problems = (await refused.json()).problems;
  assert.deepEqual(problems.map((p) => p.path), ['$.scenarios[0].goal']);
  assert.match(problems[0].message, /leave out the query/);
  assert.equal((await put({ ...config, scenarios: [{ ...scenario, goal: '/fixtures/contact-thanks.html' }] })).status, 201);
  // Two shoppers see the message on the form: one sends it (the form's own GET leads to the
  // thank-you page, with a query), one leaves. Their browsers stay open until the report has
  // their events: a context closed at once can cut off the beacon its page sent as it left
  // (seen once in a clean clone's run on a loaded machine).
  const shoppers = [];
  for (const send of [true, false]) {
    const context = await newShopperContext(browser);
    shoppers.push(context);
    const page = await context.newPage();
    await page.goto(`${collector.url}/fixtures/contact.html`);
    const [m] = await waitForMessages(page, (ms) => ms.length === 1, 10_000);
    assert.equal(m.scenario, 'ask');
    if (send) {
      await Promise.all([page.waitForURL(/contact-thanks\.html\?email=/), page.click('#contact button')]);
      await page.waitForFunction(() => window.shopcue && window.shopcue.loaded);
    }
    await page.goto('about:blank'); // leaving the page flushes the outbox (pagehide)
  }
  const report = await eventually(async () => {
    const r = await (await fetch(`${collector.url}/report?site=contact-shop`)).json();
    const s = r.scenarios.find((x) => x.scenario_id === 'ask');
    return s && s.variants[0].exposed === 2 && s.variants[0].conversions === 1 && r;
  }, 15_000, 'two exposures and the thank-you page reported');
  for (const context of shoppers) await context.close();
  const ask = report.scenarios.find((x) => x.scenario_id === 'ask');
  assert.deepEqual(ask.goals, ['/fixtures/contact-thanks.html']);
  assert.equal(ask.variants[0].cvr, 0.5);
  assert.equal(ask.variants[0].incremental_revenue, undefined, 'no order value for a page');
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${collector.url}/dashboard?site=contact-shop`);
  await page.waitForSelector('body[data-loaded="true"]');
  const headers = await page.$$eval('#table th', (ths) => ths.map((th) => th.textContent));
  const row = await page.$$eval('#table tr[data-scenario="ask"] td', (tds) => tds.map((td) => td.textContent));
  assert.equal(row[headers.indexOf('goal')], '/fixtures/contact-thanks.html');
  assert.equal(row[headers.indexOf('CVR')], '50.00%');
  await context.close();
});

/** A new shopper on the page whose scenarios are triggered on moments (`stay` on exit_intent,
 *  `half` on scroll_50), once its raw config is compiled; `reason(i)` is scenario i's. */
async function momentsPage() {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  await page.goto(`${collector.url}/fixtures/moments.html`);
  const reason = (i) => page.evaluate((i) => window.shopcue('explain')?.scenarios?.[i]?.reason, i);
  assert.equal(await eventually(() => reason(0), 10_000, 'the raw config compiled'), 'not_triggered');
  await page.mouse.move(400, 300);
  return { context, page, reason };
}

test('exit intent: the pointer leaving the window through its top, not its side, shows a scenario triggered on it; nothing is sent for it', async () => {
  const { context, page, reason } = await momentsPage();
  // Out through the side (toward another window): no exit intent.
  await page.mouse.move(2000, 300);
  await page.waitForTimeout(300);
  assert.deepEqual(await waitForMessages(page, (ms) => ms.length === 0), []);
  assert.equal(await reason(0), 'not_triggered');
  // Out through the top, toward the tabs and the close button: the modal.
  await page.mouse.move(400, 300);
  await page.mouse.move(400, 5);
  await page.mouse.move(400, -20);
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.deepEqual([m.scenario, m.placement, m.title], ['stay', 'modal', 'お帰りの前に']);
  const visitor = await page.evaluate(() => JSON.parse(localStorage.getItem('shopcue:exit-shop:profile')).visitor_id);
  await eventually(() => collector.query(`SELECT 1 FROM events WHERE visitor_id = '${visitor}' AND name = 'shopcue_impression'`).length, 10_000, 'the impression received');
  const names = collector.query(`SELECT DISTINCT name FROM events WHERE visitor_id = '${visitor}' ORDER BY name`).map((r) => r.name);
  assert.ok(!names.includes('exit_intent'), names.join());
  await context.close();
});

test('scroll_50: a scenario triggered on it shows once the shopper has scrolled past half the page, not before', async () => {
  const { context, page, reason } = await momentsPage();
  const seen = () => page.evaluate(() => Math.round((scrollY + innerHeight) / document.documentElement.scrollHeight * 100));
  await page.mouse.wheel(0, 100); // a quarter of the page and more, not half
  await eventually(async () => (await seen()) >= 25, 5000, 'scrolled');
  assert.ok((await seen()) < 50, `${await seen()} %`);
  await page.waitForTimeout(400);
  assert.deepEqual(await waitForMessages(page, (ms) => ms.length === 0), []);
  assert.equal(await reason(1), 'not_triggered');
  await page.mouse.wheel(0, 400);
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.deepEqual([m.scenario, m.title], ['half', '半分までお読みいただきました']);
  assert.ok((await seen()) >= 50);
  await context.close();
});

test('exit intent on a phone: a quick scroll back up shows the scenario, a slow one does not; on a desktop neither does', async () => {
  const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
  const scroll = (page, y) => page.evaluate((y) => new Promise((done) => {
    scrollTo(0, y); // then three frames, in which the widget reads where the page is
    requestAnimationFrame(() => requestAnimationFrame(() => requestAnimationFrame(done)));
  }), y);
  for (const [emulation, quick] of [[phone, true], [{}, false]]) {
    const context = await newShopperContext(browser, emulation);
    const page = await context.newPage();
    await page.goto(`${collector.url}/fixtures/moments.html`);
    const reason = (i) => page.evaluate((i) => window.shopcue('explain')?.scenarios?.[i]?.reason, i);
    assert.equal(await eventually(() => reason(0), 10_000, 'the raw config compiled'), 'not_triggered');
    await scroll(page, 1200);
    await waitForMessages(page, (ms) => ms.length === 1); // scroll_50's banner
    for (const y of [1100, 1000, 900, 800]) { // slowly back up, 100 px at a time
      await scroll(page, y);
      await page.waitForTimeout(400);
    }
    assert.equal(await reason(0), 'not_triggered', 'a slow scroll up');
    await scroll(page, 1200);
    await scroll(page, 700); // 500 px up within a few frames
    if (quick) {
      const shown = await waitForMessages(page, (ms) => ms.length === 2);
      assert.deepEqual(shown.map((m) => m.scenario).sort(), ['half', 'stay']);
    } else {
      await page.waitForTimeout(500);
      assert.equal(await reason(0), 'not_triggered', 'a desktop has a mouse for that');
    }
    await context.close();
  }
});

test('visitor.session_source: a visit from an ad keeps its source on every page; one from a search engine is organic; a direct one neither', async () => {
  const title = async (page) => (await waitForMessages(page, (ms) => ms.length === 1, 10_000))[0].title;
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  await page.goto(`${collector.url}/fixtures/source.html?utm_source=instagram&utm_medium=paid_social&utm_campaign=fw26`);
  assert.equal(await title(page), 'Instagramからようこそ：fw26');
  await page.click('#next'); // the next page: no tags, the shop as its referrer
  await page.waitForURL(/source\.html$/);
  assert.equal(await title(page), 'Instagramからようこそ：fw26');
  // explain() says it, for a site checking its campaign's tags from the console.
  assert.deepEqual(await page.evaluate(() => window.shopcue('explain').traffic), { source: 'instagram', medium: 'paid_social', campaign: 'fw26' });
  await context.close();
  const searched = await newShopperContext(browser);
  const from = await searched.newPage();
  await from.goto(`${collector.url}/fixtures/source.html`, { referer: 'https://www.google.co.jp/' });
  assert.equal(await title(from), '検索からようこそ：google');
  await searched.close();
  const direct = await newShopperContext(browser);
  const typed = await direct.newPage();
  await typed.goto(`${collector.url}/fixtures/source.html`);
  const reasons = await eventually(() => typed.evaluate(() => {
    const list = window.shopcue('explain')?.scenarios;
    return list?.length === 2 && list.map((s) => s.reason);
  }), 10_000, 'explained');
  assert.deepEqual(reasons, ['audience', 'audience']);
  await direct.close();
});

test('page.device: a phone, a tablet and a desktop each get the scenario meant for them', async () => {
  const shown = async (emulation) => {
    const context = await newShopperContext(browser, emulation);
    const page = await context.newPage();
    await page.goto(`${collector.url}/fixtures/device.html`);
    const [m] = await waitForMessages(page, (ms) => ms.length === 1, 10_000);
    await context.close();
    return m.scenario;
  };
  const touch = (width, height) => ({ viewport: { width, height }, screen: { width, height }, isMobile: true, hasTouch: true });
  assert.equal(await shown({}), 'big', 'a mouse');
  assert.equal(await shown(touch(390, 844)), 'phone');
  assert.equal(await shown(touch(820, 1180)), 'big', 'a tablet');
});

test('the dashboard warns of a scenario whose shoppers are not split as the live config says', async () => {
  // A config holding out 10 %, live since ten days ago; then 400 of 1,600 shoppers exposed as holdout.
  const config = { version: 1, site: 'srm-shop', holdout: 0.1,
    scenarios: [{ id: 'lopsided', trigger: { on: 'page_view' }, message: { title: 'L' } }] };
  assert.equal((await fetch(`${collector.url}/api/sites/srm-shop/config`, { method: 'PUT', body: JSON.stringify(config) })).status, 201);
  const day = 86_400_000, now = Date.now();
  execFileSync('sqlite3', [collector.db, `UPDATE config_versions SET created_at = ${now - 10 * day} WHERE site = 'srm-shop'`]);
  const events = Array.from({ length: 1600 }, (_, i) => ({
    id: `srm-${i}`, name: 'shopcue_exposure', ts: now - 3 * day, visitor_id: `v-${i}`, session_id: 's', url: '/',
    params: i < 1200 ? { scenario_id: 'lopsided' } : { scenario_id: 'lopsided', variant: 'holdout' },
  }));
  for (const batch of [events.slice(0, 800), events.slice(800)]) {
    assert.equal((await fetch(`${collector.url}/collect`, { method: 'POST', body: JSON.stringify({ site: 'srm-shop', events: batch }) })).status, 200);
  }

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${collector.url}/dashboard?site=srm-shop`);
  const warning = page.locator('#srm');
  await warning.waitFor({ state: 'visible' });
  const text = await warning.textContent();
  const iso = (t) => new Date(t).toISOString().slice(0, 10);
  const mismatch = (until) => 'Sample ratio mismatch in lopsided: default 75.00% (expected 90.00%), holdout 25.00% (expected 10.00%) ' +
    `of the 1,600 visitors first exposed from ${iso(now - 9 * day)} to ${until} under version 1 (p < 0.000001)`;
  assert.ok(text.startsWith(mismatch(iso(now))), text);
  assert.equal(await warning.getAttribute('role'), 'alert');
  await warning.screenshot({ path: join(ARTIFACTS, 'dashboard-srm.png') });
  // Counts are written with their thousands separated, in the table as in the warning.
  const exposed = await page.$$eval('#table tr[data-scenario="lopsided"]', (trs) => trs.map((tr) => tr.children[2].textContent));
  assert.deepEqual(exposed, ['1,200', '400']);
  // Version 2, published two days ago, has no exposures yet: the warning stays, for version 1's
  // days up to the one before version 2 went live.
  config.scenarios[0].message.title = 'L2';
  assert.equal((await fetch(`${collector.url}/api/sites/srm-shop/config`, { method: 'PUT', body: JSON.stringify(config) })).status, 201);
  execFileSync('sqlite3', [collector.db, `UPDATE config_versions SET created_at = ${now - 2 * day} WHERE site = 'srm-shop' AND version = 2`]);
  await page.reload();
  await warning.waitFor({ state: 'visible' });
  assert.ok((await warning.textContent()).startsWith(mismatch(iso(now - 3 * day))), await warning.textContent());
  await context.close();
});
