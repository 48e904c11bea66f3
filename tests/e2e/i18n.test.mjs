// Locales the core does not format itself are formatted by the browser's Intl: currency,
// relative day and date in the store's locale and time zone, inside a real message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, launchBrowser, newShopperContext, waitForMessages } from './harness.mjs';

let collector, browser;
before(async () => { collector = await startCollector(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await collector?.stop(); });

const korean = ['ko-KR', '₩5,000', '내일', (a, r, d) => `${a} 쿠폰이 ${r} 만료됩니다 (${d})`, '닫기'];
for (const [locale, amount, tomorrow, template, close, query = `locale=${locale}`] of [
  ['de-DE', '5,00\u00a0€', 'morgen', (a, r, d) => `Ihr ${a}-Gutschein läuft ${r} ab (${d})`, 'Schließen'],
  korean,
  // A de-DE/EUR config on a page whose init says ko-KR/KRW: the page's locale and currency win.
  [...korean, 'locale=de-DE&page=ko-KR'],
]) {
  test(`${query}: Intl formats the message's price, relative day and date; the config's labels name its controls`, async () => {
    const context = await newShopperContext(browser, { locale });
    const page = await context.newPage();
    await page.goto(`${collector.url}/fixtures/intl.html?${query}`);
    const [m] = await waitForMessages(page, (ms) => ms.length === 1);
    // The date as this locale writes the expiry day (month and day only).
    const date = await page.evaluate((l) => new Intl.DateTimeFormat(l, { month: 'short', day: 'numeric', timeZone: 'UTC' })
      .format(new Date(`${window.expiresAt}T00:00:00Z`)), locale);
    assert.equal(m.title, template(amount, tomorrow, date));
    assert.doesNotMatch(m.title, /Nov \d|in \d+ day|tomorrow/, 'not the en-US fallback');
    assert.equal(m.closeLabel, close, 'the close button is named in the site language');
    await context.close();
  });
}
