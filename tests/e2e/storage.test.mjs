// Storage in a hostile world (disabled, full, corrupt) and shared by two tabs: Shopcue keeps
// working from memory, warns once, never throws; two tabs never lose each other's updates.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, launchBrowser, newShopperContext, waitForMessages, eventually } from './harness.mjs';

let collector, browser;
before(async () => { collector = await startCollector(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await collector?.stop(); });

const FAULTS = {
  disabled: () => {
    Object.defineProperty(window, 'localStorage', { get() { throw new DOMException('The operation is insecure.', 'SecurityError'); } });
  },
  full: () => {
    Storage.prototype.setItem = function () { throw new DOMException('exceeded the quota', 'QuotaExceededError'); };
  },
  corrupt: () => {
    if (!sessionStorage.getItem('corrupted')) {
      sessionStorage.setItem('corrupted', '1');
      localStorage.setItem('shopcue:demo-store:profile', '{"v":1,"visitor_id":');
      localStorage.setItem('shopcue:demo-store:outbox:dead', '[{"id":');
    }
  },
};

for (const [fault, script] of Object.entries(FAULTS)) {
  test(`storage ${fault}: the message shows, events are delivered, one warning, no page error`, async () => {
    const context = await newShopperContext(browser);
    await context.addInitScript(script);
    const page = await context.newPage();
    const errors = [], warnings = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'warning' && m.text().includes('[shopcue]')) warnings.push(m.text()); });
    const carts = () => collector.query(`SELECT count(*) AS n FROM events WHERE name = 'add_to_cart'`)[0].n;
    const before = carts();
    await page.goto(`${collector.url}/fixtures/storage.html`);
    const [m] = await waitForMessages(page, (ms) => ms.length === 1);
    assert.equal(m.scenario, 'page_low_stock');
    await page.click('#add');
    await page.click('#leave'); // pagehide flushes from memory
    await eventually(() => carts() === before + 1, 10_000, 'the cart add delivered (from memory where storage failed)');
    assert.deepEqual(errors, []);
    // One warning per page view, however many reads and writes fail (two pages were loaded).
    assert.ok(warnings.length >= 1 && warnings.length <= 2, `${fault}: ${JSON.stringify(warnings)}`);
    if (fault === 'corrupt') {
      assert.ok(warnings.some((w) => w.includes('unreadable')), JSON.stringify(warnings));
      const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('shopcue:demo-store:profile')));
      assert.ok(stored.items['storage-1'], 'a fresh, readable profile replaced the corrupt one');
    }
    await context.close();
  });
}

test('a burst of tracking writes storage a few times, not once per task, and leaving the page writes the rest', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  await page.goto(`${collector.url}/product.html?id=linen-shirt`);
  await page.waitForFunction(() => window.shopcue && window.shopcue.loaded);
  await waitForMessages(page, (ms) => ms.length === 1);
  await page.waitForTimeout(600); // the load's own writes are done
  // 1.5 s of tasks, five track() calls each (a tag manager replaying its queue, infinite scroll).
  const burst = await page.evaluate(() => new Promise((done) => {
    let writes = 0, tasks = 0, n = 0;
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (k, v) {
      if (String(k).endsWith(':profile')) writes++;
      return setItem.call(this, k, v);
    };
    const end = performance.now() + 1500;
    (function task() {
      tasks++;
      for (let i = 0; i < 5; i++, n++) shopcue('track', 'view_item', { items: [{ item_id: `burst-${n}`, price: 100 + n }] });
      if (performance.now() < end) setTimeout(task, 0); else done({ writes, tasks, last: `burst-${n - 1}` });
    })();
  }));
  assert.ok(burst.tasks >= 30, `a burst of many tasks (${burst.tasks})`);
  assert.ok(burst.writes >= 2 && burst.writes <= 5, `the profile was written ${burst.writes} times in ${burst.tasks} tasks (at most every 500 ms)`);
  const profileHas = (id) => page.evaluate((id) => Boolean(JSON.parse(localStorage.getItem('shopcue:demo-store:profile')).items[id]), id);
  await eventually(() => profileHas(burst.last), 3000, 'the trailing write stores the last of the burst');
  // A view tracked just after a write waits about 500 ms for the next one; leaving the page
  // at once has pagehide write it.
  await page.evaluate(() => new Promise((left) => {
    const setItem = Storage.prototype.setItem;
    let wrote = false;
    Storage.prototype.setItem = function (k, v) {
      if (String(k).endsWith(':profile')) wrote = true;
      return setItem.call(this, k, v);
    };
    shopcue('track', 'view_item', { items: [{ item_id: 'before-leaving', price: 1 }] });
    (function leaveAfterTheWrite() {
      if (!wrote) return setTimeout(leaveAfterTheWrite, 5);
      shopcue('track', 'view_item', { items: [{ item_id: 'just-before-leaving', price: 1 }] });
      location.href = '/cart.html';
      left();
    })();
  })).catch(() => {}); // the navigation may take the page's context before the answer arrives
  await page.waitForURL('**/cart.html');
  assert.equal(await profileHas('just-before-leaving'), true, 'pagehide wrote it');
  await context.close();
});

test('two tabs share one profile without losing updates', async () => {
  const context = await newShopperContext(browser);
  const a = await context.newPage();
  const b = await context.newPage();
  await a.goto(`${collector.url}/product.html?id=linen-shirt`);
  await b.goto(`${collector.url}/product.html?id=smartwatch`);
  for (const p of [a, b]) await p.waitForFunction(() => window.shopcue && window.shopcue.loaded);
  await a.click('#add-to-cart');
  await b.click('#add-to-cart'); // B never reloaded: it learnt of A's cart add from the storage event
  await a.click('#add-to-wishlist');
  const cartOf = (p) => p.evaluate(() => {
    const items = JSON.parse(localStorage.getItem('shopcue:demo-store:profile')).items;
    return Object.keys(items).filter((id) => items[id].cart_qty > 0).sort();
  });
  await eventually(async () => JSON.stringify(await cartOf(a)) === '["linen-shirt","smartwatch"]', 5000, 'both cart adds stored');
  // A's later wishlist add (written within 500 ms of its cart add: coalesced) kept B's cart add.
  await eventually(() => a.evaluate(() => JSON.parse(localStorage.getItem('shopcue:demo-store:profile')).items['linen-shirt'].favorite_at),
    5000, "A's later wishlist add stored");
  assert.equal(JSON.stringify(await cartOf(a)), '["linen-shirt","smartwatch"]', "B's cart add still stored");
  // Each tab's own view of the profile (explain) agrees with storage.
  for (const p of [a, b]) {
    const cart = await eventually(() => p.evaluate(() => window.shopcue('explain').profile.cart), 5000, 'explain');
    assert.equal(cart, 2);
  }
  await context.close();
});
