// Every placement in Chromium: it renders, the keyboard reaches it, it dismisses, it does not
// move the host page's content, an inline badge waits for visibility before its impression;
// screenshots of each in ja and en, desktop and mobile (test-artifacts/placement-*.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS, startCollector, launchBrowser, newShopperContext, waitForMessages, eventually } from './harness.mjs';

let collector, browser;
before(async () => { collector = await startCollector(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await collector?.stop(); });

const PLACEMENTS = ['banner-top', 'banner-bottom', 'toast', 'modal', 'inline'];
const DEVICES = { desktop: { width: 1280, height: 800 }, mobile: { width: 390, height: 844 } };
const url = (p, lang, extra = '') => `${collector.url}/fixtures/placements.html?p=${p}&lang=${lang}${extra}`;

/** Positions of the host page's own elements. */
const layout = (page) => page.evaluate(() => ['name', 'price', 'after', 'copy', 'host-button']
  .map((id) => { const r = document.getElementById(id).getBoundingClientRect(); return `${id}:${r.x},${r.y},${r.width},${r.height}`; }));

/** Where keyboard focus is: inside a Shopcue message (its class), or a host element's id. */
const focused = (page) => page.evaluate(() => {
  const a = document.activeElement;
  const found = window.__testShadowRoots.find(({ host }) => host === a);
  return found ? `shopcue:${found.root.activeElement && found.root.activeElement.className}` : (a && a.id) || a.tagName;
});

for (const placement of PLACEMENTS) {
  test(`${placement}: renders, keyboard reachable, dismisses, host layout intact`, async () => {
    const context = await newShopperContext(browser, { viewport: DEVICES.desktop });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url(placement, 'ja'));
    const [m] = await waitForMessages(page, (ms) => ms.length === 1);
    assert.equal(m.placement, placement);
    assert.equal(m.title, '残りわずか：リネンシャツは残り2点です');
    const withMessage = await layout(page);

    if (placement === 'modal') {
      assert.equal(await focused(page), 'shopcue:cta', 'focus moves into the dialog');
      await page.keyboard.press('Tab');
      assert.equal(await focused(page), 'shopcue:x');
      await page.keyboard.press('Tab');
      assert.equal(await focused(page), 'shopcue:cta', 'Tab stays inside the dialog');
      await page.keyboard.press('Shift+Tab');
      assert.equal(await focused(page), 'shopcue:x');
      await page.keyboard.press('Escape');
    } else {
      // Tab from the top of the page reaches the message's close button.
      let reached = false;
      for (let i = 0; i < 12 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = (await focused(page)) === 'shopcue:x';
      }
      assert.ok(reached, 'the close button is reachable by keyboard');
      await page.keyboard.press('Enter');
    }
    await waitForMessages(page, (ms) => ms.length === 0);
    const without = await layout(page);
    if (placement === 'inline') {
      // The badge sits after the price: what comes before it, and the price itself, never move.
      assert.deepEqual(withMessage.slice(0, 2), without.slice(0, 2));
    } else {
      assert.deepEqual(withMessage, without, 'a fixed message moves nothing on the host page');
    }
    const dismissed = await eventually(() => page.evaluate(() =>
      (JSON.parse(localStorage.getItem('shopcue:placements:profile')) || { dismissed: {} }).dismissed.page_low_stock), 3000, 'dismissal stored');
    assert.ok(dismissed > 0, 'the dismissal is remembered for the scenario');
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('an inline badge counts its impression only once it is visible', async () => {
  const context = await newShopperContext(browser, { viewport: DEVICES.desktop });
  const page = await context.newPage();
  await page.goto(url('inline', 'en', '&far=1'));
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(m.title, 'Only 2 left: Linen shirt');
  await page.waitForTimeout(500);
  assert.deepEqual(await page.evaluate(() => window.__imps), [], 'below the fold: no impression yet');
  await page.evaluate(() => document.getElementById('price').scrollIntoView());
  await eventually(() => page.evaluate(() => window.__imps.length === 1), 3000, 'impression once visible');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.evaluate(() => document.getElementById('price').scrollIntoView());
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__imps.length), 1, 'counted once');
  await context.close();
});

test("the subject item's image: fixed size, decorative, loaded; an unsafe URL gives no image", async () => {
  const context = await newShopperContext(browser, { viewport: DEVICES.desktop });
  const page = await context.newPage();
  const image = () => page.evaluate(() => {
    const { root } = window.__testShadowRoots.find(({ host }) => host.isConnected);
    const img = root.querySelector('img');
    return img && { src: img.getAttribute('src'), alt: img.getAttribute('alt'), w: img.getBoundingClientRect().width, loaded: img.complete && img.naturalWidth > 0 };
  });
  await page.goto(url('banner-bottom', 'ja'));
  await waitForMessages(page, (ms) => ms.length === 1);
  const img = await eventually(async () => { const i = await image(); return i && i.loaded && i; }, 5000, 'image loaded');
  assert.deepEqual(img, { src: '/fixtures/item.svg', alt: '', w: 48, loaded: true });
  await page.evaluate(() => localStorage.clear());
  await page.goto(url('banner-bottom', 'ja', '&image=hostile'));
  await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(await image(), null, 'a javascript: image URL is dropped');
  await context.close();
});

test('the config theme colours the message; a right-to-left page mirrors the toast', async () => {
  const context = await newShopperContext(browser, { viewport: DEVICES.desktop });
  const page = await context.newPage();
  const style = () => page.evaluate(() => {
    const { root } = window.__testShadowRoots.find(({ host }) => host.isConnected);
    const bar = root.querySelector('.sc');
    const r = bar.getBoundingClientRect();
    return { bg: getComputedStyle(bar).backgroundColor, radius: getComputedStyle(bar).borderTopLeftRadius, left: r.left, right: innerWidth - r.right };
  });
  await page.goto(url('toast', 'en', '&theme=1'));
  await waitForMessages(page, (ms) => ms.length === 1);
  const themed = await style();
  assert.deepEqual([themed.bg, themed.radius], ['rgb(15, 118, 110)', '2px']);
  assert.ok(themed.right < 40 && themed.left > 400, `ltr toast sits at the right: ${JSON.stringify(themed)}`);
  await page.evaluate(() => localStorage.clear());
  await page.goto(url('toast', 'en', '&dir=rtl'));
  await waitForMessages(page, (ms) => ms.length === 1);
  const rtl = await style();
  assert.ok(rtl.left < 40 && rtl.right > 400, `rtl toast sits at the left: ${JSON.stringify(rtl)}`);
  // The layout mirrors with the page; the texts read in their own direction.
  const directions = () => page.evaluate(() => {
    const { root } = window.__testShadowRoots.find(({ host }) => host.isConnected);
    return ['.t', '.cta'].map((s) => getComputedStyle(root.querySelector(s)).direction);
  });
  assert.deepEqual(await directions(), ['ltr', 'ltr'], 'English on a right-to-left page');
  for (const [lang, dir, title, expected] of [
    ['ja', 'rtl', '', ['ltr', 'ltr']], // 残り2点です。 with its 。 at the end
    ['en', 'ltr', encodeURIComponent('منتج رائع: بقي {{item.stock}} فقط'), ['rtl', 'ltr']],
  ]) {
    await page.evaluate(() => localStorage.clear());
    await page.goto(url('toast', lang, `&dir=${dir}${title && `&title=${title}`}`));
    await waitForMessages(page, (ms) => ms.length === 1);
    assert.deepEqual(await directions(), expected, `${lang} on a ${dir} page, title ${decodeURIComponent(title)}`);
  }
  await context.close();
});

test('screenshots: every placement in ja and en, desktop and mobile', async () => {
  for (const [device, viewport] of Object.entries(DEVICES)) {
    const context = await newShopperContext(browser, { viewport, deviceScaleFactor: 1 });
    const page = await context.newPage();
    for (const placement of PLACEMENTS) {
      for (const lang of ['ja', 'en']) {
        await page.goto(url(placement, lang));
        await waitForMessages(page, (ms) => ms.length === 1);
        await page.waitForTimeout(350); // the entrance animation
        await page.screenshot({ path: join(ARTIFACTS, `placement-${placement}-${lang}-${device}.png`) });
        await page.evaluate(() => localStorage.clear()); // shown-caps would hide the next one
      }
    }
    await context.close();
  }
});
