// Capture on pages tagged the way real stores tag them (tests/e2e/site/fixtures/real-store.html):
// GA4 e-commerce pushes (GTM and gtag forms, the {ecommerce: null} reset) and schema.org
// JSON-LD (Product, ProductGroup, AggregateOffer, string prices, inventoryLevel as a
// QuantitativeValue, availability URLs) on one page, in both orders; catalog facts before the
// view; invalid configs; links; placement manners; revoking consent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, launchBrowser, newShopperContext, waitForMessages, messages, eventually } from './harness.mjs';

let collector, browser;
before(async () => { collector = await startCollector(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await collector?.stop(); });

const storedProfile = (page) => page.evaluate(() => JSON.parse(localStorage.getItem('shopcue:real-store:profile') || 'null'));

/** Opens the fixture with `query`; returns the page and its context (closed by `done`). */
async function open(query, context) {
  context = context || await newShopperContext(browser);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${collector.url}/fixtures/real-store.html?${query}`);
  await page.waitForFunction(() => window.shopcue && window.shopcue.loaded);
  return { context, page, errors };
}

/** Events of `name` the collector stored for this browser's visitor. */
async function delivered(page, visitor, names, atLeast) {
  await page.goto(`${collector.url}/fixtures/item.svg`); // leave the page: the queue is flushed
  return eventually(() => {
    const rows = collector.query(`SELECT name, json_extract(json, '$.params.items[0].item_id') AS item FROM events
      WHERE visitor_id = '${visitor}' AND name IN (${names.map((n) => `'${n}'`).join(',')}) ORDER BY ts`);
    return rows.length >= atLeast && rows;
  }, 10_000, `${names} delivered`);
}

for (const [query, what] of [
  ['ga4=before&form=gtm&ld=product', 'GTM push before load, then JSON-LD Product'],
  ['ga4=before&form=gtag&ld=product', 'gtag push before load, then JSON-LD Product'],
  ['ga4=after&form=gtm&ld=product', 'JSON-LD Product first, GTM push after the load event'],
  ['ga4=after&form=gtag&ld=group', 'JSON-LD ProductGroup first, gtag push after the load event'],
  ['ga4=before&form=gtm&ld=aggregate', 'GTM push, then JSON-LD AggregateOffer'],
]) {
  test(`one item from two sources merges field by field: ${what}`, async () => {
    const { context, page, errors } = await open(query);
    const [m] = await waitForMessages(page, (ms) => ms.length === 1);
    assert.equal(m.scenario, 'page_low_stock');
    if (query.includes('ga4=before')) assert.equal(m.title, '残りわずか：リネンシャツは残り2点です', "GA4's name, JSON-LD's stock");
    // (JSON-LD alone already tells the stock: with the GA4 push late, the message may show first.)
    else assert.match(m.title, /は残り2点です$/);
    const profile = await eventually(async () => {
      const p = await storedProfile(page);
      const it = p && p.items['LS-01'];
      return it && it.item.item_brand && it.item.item_name === 'リネンシャツ' && p;
    }, 5000, "both sources merged into the stored profile, GA4's name over JSON-LD's");
    const it = profile.items['LS-01'];
    assert.equal(it.views.length, 1, 'still one view');
    assert.equal(it.item.stock, 2);
    assert.equal(it.item.price, 6980);
    assert.equal(it.item.item_brand, 'Kinari');
    assert.equal(it.item.url, `${collector.url}/products/ls-01`, 'Offer.url gives the item its link');
    const explain = await page.evaluate(() => window.shopcue('explain'));
    const browse = explain.scenarios.find((s) => s.scenario_id === 'browse_low_stock');
    assert.equal(browse.reason, 'no_subject', "browse_low_stock leaves the page's own item to page_low_stock");
    const rows = await delivered(page, profile.visitor_id, ['view_item'], 1);
    assert.deepEqual(rows.map((r) => r.item), ['LS-01'], 'one view_item reaches the collector');
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('catalog facts given before the view complete a stockless GA4 item', async () => {
  const { context, page } = await open('ga4=before&ld=none&catalog=1');
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(m.title, '残りわずか：リネンシャツは残り2点です');
  await context.close();
});

test('without a link anywhere, the item links to the page it was viewed on; browse_low_stock shows elsewhere', async () => {
  const { context, page } = await open('ga4=before&ld=nourl&utm_source=newsletter');
  await waitForMessages(page, (ms) => ms.length === 1 && ms[0].scenario === 'page_low_stock');
  await page.goto(`${collector.url}/fixtures/real-store.html?page=home`);
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(m.scenario, 'browse_low_stock');
  assert.equal(m.title, '最近見たリネンシャツは残り2点です');
  assert.equal(m.cta.href, `${collector.url}/fixtures/real-store.html?ga4=before&ld=nourl`, 'the page address, without tracking parameters');
  await context.close();
});

for (const [config, code, hint] of [
  ['bad-preset', 'SHOPCUE_INVALID_CONFIG', 'Did you mean "cart_low_stock"?'],
  ['bad-op', 'SHOPCUE_INVALID_CONFIG', 'Did you mean "$gte"?'],
  ['bad-field', 'SHOPCUE_INVALID_CONFIG', 'Did you mean "priority"?'],
  ['bad-template', 'SHOPCUE_INVALID_CONFIG', 'Did you mean {{item.name}}?'],
  // Text that is not JSON is read by the compiler module, which places the slip by line and
  // column (the widget's own parser names only the byte) and says what it looks like.
  ['bad-json', 'SHOPCUE_INVALID_CONFIG', "invalid JSON at line 2, column 1: expected ',' or ']' (the text ends here: a closing bracket or brace is missing, or the file was cut short)"],
  ['bad-html', 'SHOPCUE_INVALID_CONFIG', 'invalid JSON at line 1, column 1: unexpected character, found \'<\' (an HTML page, not a config: is its URL right?)'],
]) {
  test(`an invalid config (${config}) is reported with a code, and captured events still reach the collector`, async () => {
    const { context, page, errors } = await open(`ga4=before&ld=product&config=${config}`);
    const reported = await eventually(() => page.evaluate(() => window.__errors[0]), 5000, 'on(error) called');
    assert.equal(reported.code, code);
    assert.ok(reported.problems.length >= 1, JSON.stringify(reported));
    assert.ok(reported.problems.some((p) => p.path.startsWith('$') && p.message.includes(hint)), JSON.stringify(reported.problems));
    await page.click('#add'); // a GA4 add_to_cart push
    assert.deepEqual(await messages(page), [], 'no scenario runs without a valid config');
    const visitor = await eventually(async () => (await storedProfile(page))?.visitor_id, 5000, 'profile stored');
    const rows = await delivered(page, visitor, ['view_item', 'add_to_cart'], 2);
    assert.deepEqual(rows.map((r) => `${r.name}`).sort(), ['add_to_cart', 'view_item'], JSON.stringify(rows));
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('a config that cannot be fetched gets a stable code too', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  await page.goto(`${collector.url}/fixtures/config-missing.html`);
  const reported = await eventually(() => page.evaluate(() => window.__errors[0]), 5000, 'on(error) called');
  assert.equal(reported.code, 'SHOPCUE_CONFIG_UNAVAILABLE');
  // The URL once, then what it answered.
  assert.equal(reported.message, '[shopcue] config not loaded: /fixtures/no-such-config.json answered HTTP 404');
  await context.close();
});

/** A shopper's page at `path`, with every console line it says (`type: text`) in `said`. */
async function openListening(path) {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  const said = [];
  page.on('console', (m) => said.push(`${m.type()}: ${m.text()}`));
  await page.goto(collector.url + path);
  return { context, page, said };
}

test('init with options it cannot use says so, naming them and each problem', async () => {
  const { context, page, said } = await openListening('/fixtures/init-invalid.html');
  await page.waitForFunction(() => window.shopcue && window.shopcue.loaded, null, { timeout: 10_000 });
  const warning = await eventually(() => said.find((s) => s.includes('[shopcue]')), 5000, 'a console line');
  assert.match(warning, /^warning: \[shopcue\] invalid init options \(2 problems\)\n {2}\$\.site: is required.*\n {2}\$\.locale: must be a BCP 47 language tag/);
  await context.close();
});

test('init with an option it does not read (a misspelt endpoint) warns once, naming it, and goes on', async () => {
  const { context, page, said } = await openListening('/fixtures/init-unknown.html');
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(m.title, '残りわずか：綴り違いのシャツは残り1点です', 'the widget works');
  const ours = said.filter((s) => s.includes('[shopcue]'));
  assert.deepEqual(ours, ['warning: [shopcue] init ignored unknown options: endpont']);
  await context.close();
});

test("banner-top docks below the store's header, and its controls work from the first frame", async () => {
  const context = await newShopperContext(browser, { viewport: { width: 1000, height: 700 } });
  const page = await context.newPage();
  await page.goto(`${collector.url}/fixtures/real-store.html?ga4=before&ld=product&header=1`);
  // The moment the message exists, click its call to action where it will stay.
  const box = await eventually(() => page.evaluate(() => {
    const found = (window.__testShadowRoots || []).find(({ host }) => host.isConnected);
    if (!found) return null;
    const r = found.root.querySelector('a.cta').getBoundingClientRect();
    return { x: r.x + r.width / 2, y: r.y + r.height / 2, top: found.root.querySelector('.sc').getBoundingClientRect().top };
  }), 5000, 'the banner is on the page');
  assert.equal(box.top, 64, 'docked below the 64 px header');
  const hit = await page.evaluate(({ x, y }) => document.elementFromPoint(x, y).tagName, box);
  assert.equal(hit, 'SHOPCUE-MESSAGE', 'the call to action is where it is drawn from the first frame');
  const link = await page.evaluate(() => {
    const r = document.getElementById('cart-link').getBoundingClientRect();
    return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2).id;
  });
  assert.equal(link, 'cart-link', "the store's cart link is not covered");
  // Scrolled past the header, the banner moves to the top of the window.
  await page.evaluate(() => window.scrollTo(0, 400));
  const top = await eventually(() => page.evaluate(() => {
    const found = window.__testShadowRoots.find(({ host }) => host.isConnected);
    const t = found.root.querySelector('.sc').getBoundingClientRect().top;
    return t === 0 ? 'top' : null;
  }), 3000, 'the banner follows to the top');
  assert.equal(top, 'top');
  await page.evaluate(() => window.scrollTo(0, 0));
  await eventually(() => page.evaluate(() => {
    const found = window.__testShadowRoots.find(({ host }) => host.isConnected);
    return found.root.querySelector('.sc').getBoundingClientRect().top === 64;
  }), 3000, 'the banner docks below the header again');
  await page.mouse.click(box.x, box.y);
  await page.waitForURL('**/products/ls-01');
  await context.close();
});

test('revoking personalization drops what was not stored yet; nothing comes back through another tab', async () => {
  const { context, page } = await open('ga4=none&ld=none&page=home');
  const other = await context.newPage();
  await other.goto(`${collector.url}/fixtures/real-store.html?ga4=none&ld=none&page=home`);
  await other.waitForFunction(() => window.shopcue && window.shopcue.loaded);
  // In one task: tracked, then revoked before the profile was stored; then granted again.
  await page.evaluate(() => {
    shopcue('track', 'add_to_cart', { items: [{ item_id: 'secret-1', price: 100 }] });
    shopcue('consent', { personalization: false });
    shopcue('consent', { personalization: true });
  });
  // Another tab stores its profile: this tab rebases onto it and replays what it had not stored.
  await other.evaluate(() => shopcue('track', 'add_to_wishlist', { items: [{ item_id: 'other-1', price: 100 }] }));
  await eventually(async () => (await storedProfile(page))?.items['other-1'], 5000, "the other tab's write arrived");
  await page.evaluate(() => shopcue('track', 'view_item_list', { items: [{ item_id: 'later-1', price: 1 }] }));
  const profile = await eventually(async () => {
    const p = await storedProfile(page);
    return p && p.items['later-1'] && p;
  }, 5000, 'this tab stored again');
  assert.equal(profile.items['secret-1'], undefined, 'the revoked add_to_cart never comes back');
  await context.close();
});
