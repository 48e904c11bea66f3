// A collector as a new store starts it: no site published, no event received. The dashboard
// says how a page sends to it instead of showing a made-up site's empty report; the studio asks
// for the store's site id before anything is edited or published, then publishes under it. A
// collector started with none of Shopcue's static folders (a store's own, in production) says
// how to serve the playground where the studio's simulated shopper would show "not found".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS, startCollector, launchBrowser } from './harness.mjs';

let collector, browser;

/**
 * The errors `page` throws and logs from now on. A failed request is logged as an error in the
 * browser's console ("Failed to load resource: … 404"): a new site's studio and dashboard must
 * not log one for asking after a config that is not published yet. Left out: a config with
 * problems, which the check and the publish answer with 400 or 422 by design, and the request
 * a test names as `expected`.
 */
function errorsOf(page, expected = /^$/) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    const said = `${m.text()} (${m.location().url})`;
    if (m.type() === 'error' && !/status of 4(00|22) .*\/api\/sites\/[^/]+\/config(\/check)?[?)]/.test(said) && !expected.test(said)) errors.push(said);
  });
  return errors;
}
before(async () => { collector = await startCollector({ publish: false }); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await collector?.stop(); });

test('on a collector with no site yet, the dashboard says how to send to it and the studio asks for the site id first', async () => {
  const page = await browser.newPage();
  const errors = errorsOf(page);

  await page.goto(`${collector.url}/dashboard`);
  await page.waitForSelector('body[data-loaded="true"]');
  assert.equal(await page.inputValue('#site'), '', 'no site named for the store');
  assert.equal(await page.textContent('#status'),
    `Nothing has reached this collector yet: a store page sends its events here with shopcue('init', { site: 'your-store', endpoint: '${collector.url}/collect', … }), and its site then opens here.`);
  // A site typed anyway: its empty report, and the same words on the status line.
  await page.goto(`${collector.url}/dashboard?site=my-shop`);
  await page.waitForSelector('body[data-loaded="true"]');
  assert.match(await page.textContent('#status'), /^Updated .* · nothing has reached this collector yet: /);

  await page.goto(`${collector.url}/studio`);
  await page.waitForSelector('body[data-loaded="true"]');
  const ask = /^This collector has no site yet\. Type your store's site id/;
  assert.equal(await page.inputValue('#site'), '');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'site', 'the site field has the focus');
  assert.match(await page.textContent('#status'), ask);
  assert.equal(new URL(page.url()).search, '', 'no site in the address either');
  // Adding a preset waits for the site (a config published under no site would reach no page).
  await page.click('[data-tab=gallery]');
  const add = page.locator('#gallery button', { hasText: /add/i }).first();
  await add.click();
  assert.match(await page.textContent('#status'), ask);
  assert.equal(await page.locator('tr[data-scenario]').count(), 0);
  assert.equal(await page.isDisabled('#publish'), true);

  await page.fill('#site', 'my-shop');
  await page.press('#site', 'Enter');
  await page.waitForFunction(() => document.getElementById('status').textContent === 'Loaded my-shop.');
  assert.equal(new URL(page.url()).searchParams.get('site'), 'my-shop');
  assert.equal(await page.textContent('#live-version'), 'Nothing published yet for my-shop.');
  await page.click('[data-tab=gallery]');
  await add.click();
  await page.click('#publish');
  await page.waitForFunction(() => /^Published version 1\./.test(document.getElementById('status').textContent));
  const sites = await (await fetch(`${collector.url}/api/sites`)).json();
  assert.deepEqual(sites.map((s) => [s.site, s.live_version]), [['my-shop', 1]]);

  // Now the dashboard opens that site.
  await page.goto(`${collector.url}/dashboard`);
  await page.waitForSelector('body[data-loaded="true"]');
  assert.equal(await page.inputValue('#site'), 'my-shop');
  assert.doesNotMatch(await page.textContent('#status'), /nothing has reached/);
  assert.deepEqual(errors, []);
});

/** The studio of a new `site` with `presets` added from the gallery, and the page's errors. */
async function studioWith(site, presets) {
  const page = await browser.newPage();
  const errors = errorsOf(page);
  await page.goto(`${collector.url}/studio?site=${site}`);
  await page.waitForSelector('body[data-loaded="true"]');
  for (const preset of presets) {
    await page.click('[data-tab=gallery]');
    await page.getByRole('button', { name: `Add ${preset}` }).click();
  }
  return { page, errors };
}

test('a cart preset on a new site\'s config, which gives no links: the studio marks its button link and previews no button until the cart\'s address is given', async () => {
  const { page, errors } = await studioWith('new-shop', ['cart_abandonment']);
  // Its "View cart" links to {{links.cart}}, which the store would draw as no button at all.
  const link = '[data-path="$.scenarios[0].message.cta.url"]';
  await page.waitForSelector(`${link}[aria-invalid="true"]`);
  assert.match(await page.locator('.error[data-for="$.scenarios[0].message.cta.url"]').textContent(),
    /^uses \{\{links\.cart\}\}, which "links" does not give \(it would show as nothing\): add "links": \{"cart": .* \(in the Site tab's Links\)$/);
  assert.equal(await page.locator('[data-preview="en-desktop"] .msg .cta').count(), 0, 'no button in the preview either');
  await page.click('#publish');
  await page.waitForFunction(() => /problem/i.test(document.getElementById('status').textContent));
  assert.equal((await (await fetch(`${collector.url}/api/sites`)).json()).some((s) => s.site === 'new-shop'), false, 'nothing published');
  // The cart's address given in the button's link: no problem, the button, and it publishes.
  await page.fill(link, '/cart');
  await page.waitForSelector(`${link}:not([aria-invalid])`);
  assert.equal(await page.locator('[data-preview="en-desktop"] .msg .cta').textContent(), 'View cart');
  await page.click('#publish');
  await page.waitForFunction(() => /^Published version 1\./.test(document.getElementById('status').textContent));
  assert.deepEqual(errors, []);
  await page.close();
});

test('the Site tab gives the links the messages name: a cart preset\'s "View cart" once for every scenario, checked like any field, and published with the config', async () => {
  const { page, errors } = await studioWith('links-shop', ['cart_abandonment', 'cart_low_stock']);
  await page.waitForSelector('[data-path="$.scenarios[1].message.cta.url"][aria-invalid="true"]');
  // The link both presets name and the config lacks is offered, waiting for its address.
  await page.click('[data-tab=site]');
  assert.equal(await page.inputValue('[aria-label="link 1 name"]'), 'cart');
  assert.equal(await page.inputValue('[aria-label="address of link 1"]'), '');
  assert.match(await page.locator('[data-panel=site]').textContent(), /a message uses \{\{links\.cart\}\}: give its address/);
  // An address relative to a page is marked at its field, with the reason.
  const address = page.locator('[aria-label="address of link 1"]');
  await address.fill('cart.html');
  await page.waitForSelector('[aria-label="address of link 1"][aria-invalid="true"]');
  assert.match(await page.locator('.error[data-for="$.links.cart"]').textContent(), /^is relative to the page a message is shown on/);
  // From the site's root: both scenarios' buttons are fine, and the preview draws the button.
  await address.fill('/cart');
  await page.waitForSelector('[aria-label="address of link 1"]:not([aria-invalid])');
  await page.waitForFunction(() => !document.querySelector('[aria-invalid="true"]') && !document.getElementById('problems').children.length);
  await page.locator('tr[data-scenario="cart_low_stock"] button.edit').click();
  await page.waitForSelector('[data-preview="en-desktop"] .msg .cta');
  assert.equal(await page.locator('[data-preview="en-desktop"] .msg .cta').textContent(), 'View cart');
  // The store's currency and time zone from the same tab.
  await page.click('[data-tab=site]');
  await page.fill('[data-path="$.timezone"]', 'Asia/Tokio');
  await page.waitForSelector('[data-path="$.timezone"][aria-invalid="true"]');
  assert.match(await page.locator('.error[data-for="$.timezone"]').textContent(), /Did you mean "Asia\/Tokyo"\?/);
  await page.fill('[data-path="$.timezone"]', 'Asia/Tokyo');
  await page.waitForSelector('[data-path="$.timezone"]:not([aria-invalid])');
  // A link of the site's own, for a message to come: its name is typed where the focus goes.
  await page.getByRole('button', { name: 'Add a link' }).click();
  await page.keyboard.type('help');
  await page.fill('[aria-label="address of link 2"]', 'https://help.example/faq');
  await page.waitForFunction(() => JSON.parse(document.getElementById('json').value).links.help === 'https://help.example/faq');
  // A store that reports its cart itself switches the cart forms' capture off.
  await page.uncheck('[data-path="$.capture.forms"]');
  await page.click('#publish');
  await page.waitForFunction(() => /^Published version 1\./.test(document.getElementById('status').textContent));
  const live = await (await fetch(`${collector.url}/api/sites/links-shop/config`)).json();
  // Both buttons still name the site's link, given once.
  assert.deepEqual([live.config.links, live.config.timezone, live.config.capture, live.config.scenarios.map((s) => [s.id, s.message.cta.url])],
    [{ cart: '/cart', help: 'https://help.example/faq' }, 'Asia/Tokyo', { forms: false }, [['cart_abandonment', '{{links.cart}}'], ['cart_low_stock', '{{links.cart}}']]]);
  assert.deepEqual(errors, []);
  await page.close();
});

/**
 * `steps(bare, page)` on a collector started with none of Shopcue's static folders (as a
 * store runs it in production) and nothing published, in a page of its own; both are closed
 * after, and the page must have thrown and logged no error (but `expected`).
 */
async function onBareCollector(steps, expected) {
  const bare = await startCollector({ publish: false, statics: [] });
  const page = await browser.newPage();
  try {
    const errors = errorsOf(page, expected);
    await steps(bare, page);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await bare.stop();
  }
}

test('a collector without Shopcue\'s www/ folder: the simulated shopper tab says how to serve the playground', async () => {
  await onBareCollector(async (bare, page) => {
    await page.goto(`${bare.url}/studio?site=my-shop`);
    await page.waitForSelector('body[data-loaded="true"]');
    await page.click('[data-tab=playground]');
    await page.waitForSelector('#playground-missing:not([hidden])');
    assert.match(await page.textContent('#playground-missing'),
      /does not serve the playground .*\(\/playground\.html answered HTTP 404\)\. Start it with .*--static dist --static www/s);
    assert.equal(await page.isHidden('#playground'), true, 'no frame saying "not found"');
    assert.equal(await page.getAttribute('#playground', 'src'), null);
  }, /status of 404 .*\/playground\.html\)$/);
});

test('an English store\'s studio names its scenarios and previews its texts in English and dollars, and its preview link opens the latest page of the store that reached the collector, on the store\'s own origin', async () => {
  await onBareCollector(async (bare, page) => {
    // An English store's config: its scenarios are listed under their English playbook names.
    const config = { version: 1, site: 'my-shop', locale: 'en-US', currency: 'USD', scenarios: [{ preset: 'page_low_stock' }] };
    const put = await fetch(`${bare.url}/api/sites/my-shop/config`, { method: 'PUT', body: JSON.stringify(config) });
    assert.equal(put.status, 201, await put.text());
    await page.goto(`${bare.url}/studio?site=my-shop`);
    await page.waitForSelector('body[data-loaded="true"]');
    assert.equal(await page.textContent('tr[data-scenario="page_low_stock"] .muted[lang=en]'), 'product page low stock');
    // Its English texts come first in the form, and so do its English previews.
    await page.click('button[aria-label="Edit page_low_stock"]');
    assert.deepEqual(await page.locator('#form fieldset legend').evaluateAll((ls) => ls.map((l) => l.textContent).filter((t) => t.startsWith('Texts'))),
      ['Texts — en', 'Texts — ja']);
    assert.deepEqual(await page.locator('[data-preview]').evaluateAll((ps) => ps.map((p) => p.dataset.preview)),
      ['en-desktop', 'ja-desktop', 'en-mobile', 'ja-mobile']);
    assert.equal(await page.textContent('[data-preview="en-desktop"] .msg b'), 'Only 2 left: Linen shirt');
    // Prices in the previews are in the store's currency (USD, sample amounts with cents), as the widget writes them.
    await page.fill('[data-path="$.scenarios[0].message.title.en"]', 'Now {{item.price|currency}}: {{item.name}}');
    await page.waitForFunction(() => document.querySelector('[data-preview="en-desktop"] .msg b').textContent.startsWith('Now $'));
    assert.equal(await page.textContent('[data-preview="en-desktop"] .msg b'), 'Now $59.90: Linen shirt');
    // No page of my-shop has reached this collector, and it serves no store: no link to guess.
    await page.click('#preview');
    await page.waitForFunction(() => /shopcue_preview=draft\./.test(document.getElementById('preview-out').textContent));
    assert.match(await page.textContent('#preview-out'),
      /^To see this draft \(only your browser sees it, .*\), add \?shopcue_preview=draft\.[0-9a-f]{32} to the address of any page of the store/);
    assert.equal(await page.locator('#preview-href').count(), 0);
    assert.equal(await page.textContent('#preview-where'), ` The draft shows on pages whose tag loads its config from this collector `
      + `(config: '${bare.url}/shopcue/sites/my-shop/config.json'); a page with its config written into the tag keeps showing that one.`);

    // The store's pages (on their own origin) send to this collector; another site's page is later.
    const ev = (id, site, url, ago) => ({ v: 1, site, events: [{ id, name: 'page_view', ts: Date.now() - ago, visitor_id: 'v', session_id: 's', url, params: {} }] });
    for (const body of [ev('a', 'my-shop', 'https://shop.example/', 30_000),
      ev('b', 'my-shop', 'https://shop.example/items/linen-shirt?utm_source=mail#size', 20_000),
      ev('c', 'other-shop', 'https://other.example/', 10_000),
      // Anyone may post to /collect: one page view from elsewhere does not make the link.
      ev('d', 'my-shop', 'https://phish.example/login', 5_000)]) {
      const r = await fetch(`${bare.url}/collect`, { method: 'POST', body: JSON.stringify(body) });
      assert.equal(r.status, 200, await r.text());
    }
    await page.click('#preview');
    await page.waitForSelector('#preview-href');
    const href = await page.getAttribute('#preview-href', 'href');
    assert.match(href, /^https:\/\/shop\.example\/items\/linen-shirt\?shopcue_preview=draft\.[0-9a-f]{32}$/);
    assert.equal(await page.getAttribute('#preview-href', 'target'), '_blank');
  });
});

test('the Site tab\'s look: a theme colour picked or typed shows in the sample and the previews, text below 4.5:1 contrast is marked at its colour, and the theme is published', async () => {
  const { page, errors } = await studioWith('look-shop', ['page_low_stock']);
  await page.click('[data-tab=site]');
  const sample = '.frame.look .msg.banner-bottom';
  const colours = (sel) => page.locator(sel).first().evaluate((m) => {
    const s = getComputedStyle(m), cta = m.querySelector('.cta');
    return [s.backgroundColor, s.color, cta && getComputedStyle(cta).backgroundColor];
  });
  // The widget's own colours until the theme gives others.
  assert.deepEqual(await colours(sample), ['rgb(31, 41, 55)', 'rgb(255, 255, 255)', 'rgb(245, 158, 11)']);
  // A brand's teal, picked: the typed field follows, and the sample shows it.
  await page.locator('[aria-label="background colour picker"]').fill('#0f766e');
  assert.equal(await page.inputValue('[data-path="$.theme.bg"]'), '#0f766e');
  await page.waitForFunction(() => getComputedStyle(document.querySelector('.frame.look .msg.banner-bottom')).backgroundColor === 'rgb(15, 118, 110)');
  // Grey text on it reads at 1.9:1: marked at the text colour, with the ratio and the rule.
  await page.fill('[data-path="$.theme.fg"]', '#6b7280');
  await page.waitForSelector('[data-path="$.theme.fg"][aria-invalid="true"]');
  assert.match(await page.locator('.error[data-for="$.theme.fg"]').textContent(),
    /^text in "#6b7280" \(fg\) on "#0f766e" \(bg\) has a contrast of 1\.\d:1; text needs at least 4\.5:1 \(WCAG 2, AA\)/);
  await page.click('#publish');
  await page.waitForFunction(() => /problem/i.test(document.getElementById('status').textContent));
  // White text reads: no problem, and the scenario's previews are in the theme too.
  await page.fill('[data-path="$.theme.fg"]', '#ffffff');
  await page.waitForSelector('[data-path="$.theme.fg"]:not([aria-invalid])');
  // The status line no longer stands by the refusal.
  await page.waitForFunction(() => document.getElementById('status').textContent === 'The problems are mended: publish when ready.');
  await page.screenshot({ path: join(ARTIFACTS, 'studio-site-look.png'), fullPage: true });
  await page.click('[data-tab=edit]');
  await page.locator('tr[data-scenario="page_low_stock"] button.edit').click();
  assert.deepEqual(await colours('[data-preview="ja-desktop"] .msg'), ['rgb(15, 118, 110)', 'rgb(255, 255, 255)', null], 'no button: the preset has none');
  await page.click('#publish');
  await page.waitForFunction(() => /^Published version 1\./.test(document.getElementById('status').textContent));
  const live = await (await fetch(`${collector.url}/api/sites/look-shop/config`)).json();
  assert.deepEqual(live.config.theme, { bg: '#0f766e', fg: '#ffffff' });
  assert.deepEqual(errors, []);
  await page.close();
});
