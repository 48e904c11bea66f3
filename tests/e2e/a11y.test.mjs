// Accessibility, audited by axe-core (the engine behind Lighthouse's and browsers' accessibility
// checks) in Chromium: every placement of a message, the store picker, the demo store, and each
// screen a marketer uses — the studio's tabs, the dashboard, the playground, the sign-in page.
// Each must have no violation of the WCAG 2 A and AA rules axe checks (contrast, names, roles,
// labels, keyboard reach of scrolling regions …).
//
// Messages render in a closed shadow root, which no script of the page (axe included) can
// enter; here the roots are opened as they are created, so that axe reads the messages as the
// shopper's assistive technology does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startCollector, launchBrowser, newShopperContext, waitForMessages } from './harness.mjs';

const AXE = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

let collector, browser;
before(async () => { collector = await startCollector(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await collector?.stop(); });

/** A shopper's context whose shadow roots open as they are created (see above). */
async function openContext(options) {
  const context = await newShopperContext(browser, options);
  await context.addInitScript(() => {
    const recorded = Element.prototype.attachShadow;
    Element.prototype.attachShadow = function (init) { return recorded.call(this, { ...init, mode: 'open' }); };
  });
  return context;
}

/** axe's violations on `page` as it is now, one line per element: rule, impact, element, why. */
async function violations(page) {
  await page.evaluate(AXE); // evaluated, not a <script>: the studio's CSP allows no inline script
  return page.evaluate(async () => {
    const { violations } = await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] });
    return violations.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}) ${n.target.join(' ')}: ${n.failureSummary.split('\n').slice(1).join(' ').trim()}`));
  });
}

const CASES = [['banner-top', 'ja', 'light'], ['banner-bottom', 'en', 'light'], ['toast', 'ja', 'light'], ['modal', 'en', 'light'],
  ['inline', 'ja', 'light'], ['toast', 'en', 'dark'], ['modal', 'ja', 'dark']];
for (const [placement, lang, colorScheme] of CASES) {
  test(`${placement === 'inline' ? 'an' : 'a'} ${placement} message (${lang}, ${colorScheme} mode) has no accessibility violation`, async () => {
    const context = await openContext({ viewport: { width: 1280, height: 800 }, colorScheme });
    const page = await context.newPage();
    await page.goto(`${collector.url}/fixtures/placements.html?p=${placement}&lang=${lang}`);
    const [m] = await waitForMessages(page, (ms) => ms.length === 1);
    assert.equal(m.placement, placement);
    await page.waitForTimeout(400); // its entrance transition ends: contrast is read on its final colours
    assert.deepEqual(await violations(page), []);
    await context.close();
  });
}

test('the store picker, and the demo store\'s pages with their messages, have no accessibility violation', async () => {
  const context = await openContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(`${collector.url}/fixtures/stores.html`);
  await waitForMessages(page, (ms) => ms.length === 1);
  await page.waitForTimeout(400);
  assert.deepEqual(await violations(page), [], 'the store picker');
  for (const path of ['/product.html?id=linen-shirt', '/', '/cart.html']) {
    await page.goto(`${collector.url}${path}`);
    await page.waitForLoadState('load');
    // The product with 2 left shows its low-stock banner.
    if (path.startsWith('/product')) await waitForMessages(page, (ms) => ms.some((m) => m.scenario === 'page_low_stock'));
    await page.waitForTimeout(600);
    assert.deepEqual(await violations(page), [], path);
  }
  await context.close();
});

test('the studio\'s every tab, the dashboard, the playground and the sign-in page have no accessibility violation', async () => {
  // A split test in the dashboard's figures: its verdict above the table, its variants' columns.
  const now = Date.now(), events = [];
  for (const [variant, exposed, bought] of [['a', 30, 6], ['b', 30, 12]]) {
    for (let i = 0; i < exposed; i++) {
      const visitor = `a11y-${variant}-${i}`;
      events.push({ id: `${visitor}-x`, name: 'shopcue_exposure', ts: now - 60_000, visitor_id: visitor, session_id: visitor, url: '/', params: { scenario_id: 'a11y_split', variant } });
      if (i < bought) events.push({ id: `${visitor}-p`, name: 'purchase', ts: now - 30_000, visitor_id: visitor, session_id: visitor, url: '/', params: {} });
    }
  }
  assert.equal((await fetch(`${collector.url}/collect`, { method: 'POST', body: JSON.stringify({ site: 'demo-store', events }) })).status, 200);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${collector.url}/studio?site=demo-store`);
  await page.waitForSelector('body[data-loaded="true"]');
  await page.locator('tr[data-scenario] button.edit').first().click(); // the form and its previews
  await page.waitForSelector('[data-preview="ja-desktop"] .msg');
  const tabs = await page.locator('[role=tab]').evaluateAll((ts) => ts.map((t) => t.dataset.tab));
  assert.deepEqual(tabs, ['edit', 'gallery', 'site', 'json', 'playground', 'versions']);
  for (const tab of tabs) {
    await page.click(`[data-tab=${tab}]`);
    await page.waitForTimeout(tab === 'playground' ? 1500 : 200);
    assert.deepEqual(await violations(page), [], `the studio's ${tab} tab`);
  }
  for (const path of ['/dashboard?site=demo-store', '/playground.html', '/login']) {
    await page.goto(`${collector.url}${path}`);
    if (path.startsWith('/dashboard')) {
      await page.waitForSelector('body[data-loaded="true"]');
      await page.waitForSelector('#verdicts p[data-scenario="a11y_split"]');
    }
    await page.waitForTimeout(path === '/playground.html' ? 1500 : 200);
    assert.deepEqual(await violations(page), [], path);
  }
  await page.close();
});
