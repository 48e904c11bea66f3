// Automatic capture in Chromium: a store page that never calls shopcue('track') — GA4
// dataLayer pushes (before and after Shopcue loaded, GTM and gtag forms, a push function
// replaced later), schema.org JSON-LD, data-shopcue-* attributes, History API navigation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, launchBrowser, newShopperContext, waitForMessages, eventually, openUnwatched } from './harness.mjs';

let collector, browser;
before(async () => {
  // Hotwire Turbo's own build, for a store whose pages it navigates (tests/e2e/site/fixtures/turbo/).
  collector = await startCollector({ statics: ['dist', 'www', 'tests/e2e/site', 'node_modules/@hotwired/turbo/dist'] });
  browser = await launchBrowser();
});
after(async () => { await browser?.close(); await collector?.stop(); });

const profileOf = (page) => page.evaluate(() => JSON.parse(localStorage.getItem('shopcue:capture-store:profile')));
/** The events the collector holds where `where` (SQL), as a count per name: `{page_view: 2, …}`. */
const countsByName = (where) => Object.fromEntries(collector.query(`SELECT name, count(*) AS n FROM events WHERE ${where} GROUP BY name`)
  .map((r) => [r.name, r.n]));
// How many items the profile holds once the config is in (the fixtures' config is raw: the page
// compiles it first, and what capture found waits for it), so that leaving the page right after
// does not race the capture.
const itemsOnceConfigured = (page) => page.waitForFunction(() => {
  const e = window.shopcue('explain');
  return e && e.config_loaded && { items: e.profile.items };
}).then((h) => h.jsonValue()).then((e) => e.items);

test('dataLayer, JSON-LD, data attributes and pushState become events; the page keeps working', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${collector.url}/fixtures/capture.html`);
  // JSON-LD on the page: a view_item with stock 2 → the low-stock message, from markup alone.
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(m.title, '残りわずか：JSON-LDのシャツは残り2点です');
  await page.click('#attr-cart'); // a click on a child of the data-shopcue-track button
  await page.click('#gtm-cart');
  await page.click('#gtm-replace'); // GTM installs its own push later: still seen, and only once
  await page.click('#gtag-wish');
  await page.click('#hash'); // not a page view
  await page.click('#go'); // SPA navigation, then JSON-LD injected late
  const profile = await eventually(async () => {
    const p = await profileOf(page);
    return p && p.items['cap-spa-1'] && p;
  }, 5000, 'SPA product captured');
  const item = (id) => profile.items[id] || {};
  assert.equal(item('cap-ld-1').views.length, 1, 'JSON-LD view counted once');
  assert.equal(item('cap-attr-1').cart_qty, 1, 'data-shopcue-track add_to_cart');
  assert.equal(item('cap-gtm-1').cart_qty, 1, 'GTM push counted once even through two wrapped push functions');
  assert.ok(item('cap-gtag-1').favorite_at, 'gtag add_to_wishlist');
  assert.equal(await page.evaluate(() => window.__gtmPushes), 1, "the site's own push still runs");
  assert.equal(profile.page_views.length, 2, 'the pushState navigation is a page view; the hash change is not');
  // The old page's message closed on navigation; the new page judges the SPA product (stock 1).
  const [spa] = await waitForMessages(page, (ms) => ms.length === 1 && ms[0].title.includes('SPAの靴'));
  assert.equal(spa.title, '残りわずか：SPAの靴は残り1点です');
  // What reached the collector, by name.
  await page.goto(`${collector.url}/`); // leave: flush
  const visitor = profile.visitor_id;
  const names = await eventually(() => {
    const o = countsByName(`visitor_id = '${visitor}'`);
    return o.view_item >= 2 && o;
  }, 10_000, 'captured events delivered');
  assert.deepEqual([names.view_item_list, names.view_item, names.add_to_cart, names.add_to_wishlist], [1, 2, 2, 1], JSON.stringify(names));
  assert.deepEqual(errors, []);
  await context.close();
});

// Each capture path alone, on a page that uses nothing else: what the profile recorded and
// what the collector received.
async function visit(fixture, steps) {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${collector.url}/fixtures/${fixture}`);
  await page.waitForFunction(() => window.shopcue && window.shopcue.loaded);
  const shown = await steps(page);
  await page.goto(`${collector.url}/`); // leave: pagehide sends the queue and stores the profile
  const profile = await eventually(() => profileOf(page), 5000, 'profile stored');
  const received = (names) => eventually(() => {
    const rows = collector.query(`SELECT name, json_extract(json, '$.params.items[0].item_id') AS item, count(*) AS n
      FROM events WHERE visitor_id = '${profile.visitor_id}' AND name IN (${names.map((n) => `'${n}'`).join(',')}) GROUP BY 1, 2`);
    return rows.length >= names.length && rows;
  }, 10_000, `${names} received`);
  // The `view_item`s received, as sorted `item:count`, once `items` distinct items have one.
  const viewed = (items = 1) => eventually(() => {
    const rows = collector.query(`SELECT json_extract(json, '$.params.items[0].item_id') AS item, count(*) AS n
      FROM events WHERE visitor_id = '${profile.visitor_id}' AND name = 'view_item' GROUP BY 1`);
    return rows.length >= items && rows.map((r) => `${r.item}:${r.n}`).sort();
  }, 10_000, `view_item of ${items} items received`);
  await context.close();
  assert.deepEqual(errors, []);
  return { profile, shown, received, viewed };
}

/** The add_to_cart events the collector holds for `visit`'s visitor, as `item×quantity`, once `n` arrived. */
const adds = (v, n) => eventually(() => {
  const rows = collector.query(`SELECT json_extract(json, '$.params.items[0].item_id') AS item,
    json_extract(json, '$.params.items[0].quantity') AS q FROM events WHERE visitor_id = '${v.profile.visitor_id}' AND name = 'add_to_cart'`);
  return rows.length >= n && rows.map((r) => `${r.item}×${r.q}`).sort();
}, 10_000, `${n} add_to_cart received`);

/** Steps for `visit` that wait for the one message and report its title. */
const oneTitle = async (page) => (await waitForMessages(page, (ms) => ms.length === 1))[0].title;

test('GA4 dataLayer alone: GTM pushes before load and gtag after', async () => {
  const { profile, shown, received } = await visit('capture-datalayer.html', async (page) => {
    const [m] = await waitForMessages(page, (ms) => ms.length === 1);
    await page.click('#cart');
    await page.click('#buy');
    return m.title;
  });
  assert.equal(shown, '残りわずか：GA4のパーカーは残り3点です');
  const it = profile.items['dl-1'];
  assert.deepEqual([it.views.length, it.purchase_count, it.cart_qty ?? 0, profile.purchase_count], [1, 1, 0, 1]); // an empty cart is not stored
  const rows = await received(['view_item', 'add_to_cart', 'purchase']);
  assert.deepEqual(rows.map((r) => `${r.name}:${r.item}:${r.n}`).sort(), ['add_to_cart:dl-1:1', 'purchase:dl-1:1', 'view_item:dl-1:1']);
});

test('Universal Analytics enhanced ecommerce and gtag.js UA item syntax read as GA4; a page tagged for both counts once', async () => {
  const ua = await visit('capture-ua.html', async (page) => {
    await itemsOnceConfigured(page);
    for (const button of ['#add', '#step1', '#step2', '#buy', '#wish']) await page.click(button);
  });
  const coat = ua.profile.items['ua-1'];
  assert.deepEqual([coat.item.item_name, coat.item.item_brand, coat.view_count, coat.purchase_count, ua.profile.orders], ['UAのコート', 'Kinari', 1, 1, ['T-ua-1']]);
  assert.equal(ua.profile.items['ua-2'].item.item_name, 'UAの帽子', 'gtag.js items named id / name');
  const rows = await ua.received(['view_item', 'add_to_cart', 'begin_checkout', 'purchase', 'add_to_wishlist']);
  assert.deepEqual(rows.map((r) => `${r.name}:${r.item}:${r.n}`).sort(),
    ['add_to_cart:ua-1:1', 'add_to_wishlist:ua-2:1', 'begin_checkout:ua-1:1', 'purchase:ua-1:1', 'view_item:ua-1:1']);
  const [order] = collector.query(`SELECT json_extract(json, '$.params.transaction_id') AS id, json_extract(json, '$.params.value') AS value
    FROM events WHERE visitor_id = '${ua.profile.visitor_id}' AND name = 'purchase'`);
  assert.deepEqual({ ...order }, { id: 'T-ua-1', value: '13800' });
  // Tagged for both, GA4 through GTM or gtag.js: the GA4 view came first, so the page's UA
  // pushes are passed over.
  for (const query of ['?both', '?both&gtag']) {
    const both = await visit(`capture-ua.html${query}`, async (page) => {
      await itemsOnceConfigured(page);
      await page.click('#add');
    });
    assert.deepEqual([both.profile.items['ua-1'].view_count, both.profile.items['ua-1'].cart_qty], [1, 1], query);
    const once = await both.received(['view_item', 'add_to_cart']);
    assert.deepEqual(once.map((r) => `${r.name}:${r.item}:${r.n}`).sort(), ['add_to_cart:ua-1:1', 'view_item:ua-1:1'], query);
  }
});

test('a thank-you page counts its order once: its push and the site\'s own track, then reloaded', async () => {
  const { profile } = await visit('capture-thanks.html', async (page) => {
    await itemsOnceConfigured(page);
    await page.reload();
    await page.waitForFunction(() => window.shopcue && window.shopcue.loaded);
    await itemsOnceConfigured(page);
  });
  assert.deepEqual([profile.purchase_count, profile.items['thanks-1'].purchase_count, profile.orders], [1, 1, ['10234']]);
  // Once both page views have arrived, one purchase.
  const names = await eventually(() => {
    const o = countsByName(`visitor_id = '${profile.visitor_id}'`);
    return o.page_view >= 2 && o;
  }, 10_000, 'both page views received');
  assert.deepEqual([names.page_view, names.purchase], [2, 1], JSON.stringify(names));
  // A template's push with an empty price and a numeric brand: the purchase counts without them.
  const sloppy = await visit('capture-thanks.html?sloppy', itemsOnceConfigured);
  assert.deepEqual(sloppy.profile.orders, ['S-77']);
  const [order] = await eventually(() => {
    const rows = collector.query(`SELECT id, json_extract(json, '$.params.value') AS value FROM events
      WHERE visitor_id = '${sloppy.profile.visitor_id}' AND name = 'purchase'`);
    return rows.length && rows;
  }, 10_000, 'the purchase received');
  assert.deepEqual({ ...order }, { id: 'order:S-77', value: 7700 });
});

test('a store\'s own add-to-cart form adds the page\'s product (Shopify, WooCommerce, Magento), once beside the store\'s own push, and a card\'s form its card\'s; Shopify\'s empty cart empties Shopcue\'s', async () => {
  // Shopify (Dawn): a recommendation's quick add (another product's variant) adds the card's
  // product, not the page's; the product form, its quantity box outside it, posted by the
  // theme's fetch, the page's, once for a double click (Dawn passes over a submit while its
  // button is aria-disabled, as it is while the first one's request is on its way). The next pages read the store's own cart (/cart.js): holding
  // the knit, Shopcue's keeps it (and the cap leaves); holding another product only (the knit
  // removed in the theme's cart drawer), it leaves too.
  const shopify = await visit('capture-cartform.html', async (page) => {
    await itemsOnceConfigured(page);
    await page.click('#pick'); // the address gets ?variant=42: the same page, still its product
    await page.click('#quick');
    await page.dblclick('#add'); // the second click while the theme's request is on its way: no add
    await page.waitForFunction(() => document.body.dataset.added === '2');
    const inCart = async () => { await itemsOnceConfigured(page); return page.evaluate(() => window.shopcue('explain').profile.cart); };
    const added = await inCart();
    // The store's cart holds three knits (raised in its cart drawer): so does Shopcue's.
    await page.goto(`${collector.url}/fixtures/capture-cartform.html?cart=full`);
    const full = await inCart();
    await eventually(async () => (await profileOf(page))?.items['form-1'].cart_qty === 3, 5000, 'the cart\'s quantity taken');
    await page.goto(`${collector.url}/fixtures/capture-cartform.html?cart=other`);
    const other = await inCart();
    // A cart.js that is not Shopify's cart (a proxy's error): nothing said (no rejection the
    // page's own error monitoring would see, even while the wasm is still on its way), and the
    // widget starts.
    await page.route('**/shopcue_bg.wasm', async (route) => { await new Promise((ok) => setTimeout(ok, 500)); await route.continue(); });
    await page.goto(`${collector.url}/fixtures/capture-cartform.html?cart=odd`);
    return [added, full, other, await inCart()];
  });
  assert.deepEqual(shopify.shown, [2, 1, 0, 0], 'items in the cart: added, the store\'s cart holding the knit, another product only, an odd answer');
  assert.equal(shopify.profile.items['form-1'].cart_price, 8800);
  const cap = shopify.profile.items['7009'];
  assert.deepEqual([cap.item.item_name, cap.cart_price, cap.item.url], ['キャンバスキャップ', 1980, `${collector.url}/ja/products/canvas-cap`]);
  assert.deepEqual(await adds(shopify, 2), ['7009×1', 'form-1×2']);
  const shopifyNames = await eventually(() => {
    const o = countsByName(`visitor_id = '${shopify.profile.visitor_id}'`);
    return o.page_view >= 4 && o;
  }, 10_000, 'the four page views received');
  assert.equal(shopifyNames.view_cart, undefined, 'reading the cart sends nothing');
  assert.equal(shopifyNames.page_view, 4, 'a variant chosen (the address replaced) is no page view');
  // A collection page's quick add (Shopify's meta names no product there): the card's product.
  // The next page's cart holds three knits, which the shopper viewed and added where Shopcue
  // could not see (a theme's own button that posts to /cart/add.js): an add of three, sent; the
  // cap, not in it, leaves.
  const collection = await visit('capture-cartform.html?collection', async (page) => {
    await itemsOnceConfigured(page);
    await page.click('#quick');
    await page.waitForFunction(() => document.body.dataset.added === '1');
    await page.goto(`${collector.url}/fixtures/capture-cartform.html?collection&cart=full`);
    await eventually(async () => (await profileOf(page))?.items['form-1'].cart_qty === 3, 5000, 'the cart\'s knits taken');
  });
  assert.deepEqual(await adds(collection, 2), ['7009×1', 'form-1×3']);
  assert.equal(collection.profile.items['7009'].cart_qty ?? 0, 0);
  // WooCommerce: the form posts back to the page, which the shopper leaves by it.
  const woo = await visit('capture-cartform.html?woo', async (page) => {
    await itemsOnceConfigured(page);
    await Promise.all([page.waitForURL(/added/), page.click('#add')]);
  });
  assert.equal(woo.profile.items['form-1'].cart_qty, 3);
  assert.deepEqual(await adds(woo, 1), ['form-1×3']);
  // The store's own reports of that add: GTM4WP's push on the click, before the post; Magento's
  // once the cart answered. Each is the same add as the form's.
  const gtm = await visit('capture-cartform.html?woo&gtm', async (page) => {
    await itemsOnceConfigured(page);
    await Promise.all([page.waitForURL(/added/), page.click('#add')]);
  });
  assert.deepEqual([gtm.profile.items['123'].cart_qty, gtm.profile.items['form-1'].cart_qty ?? 0], [3, 0]);
  // A variable product's button, shown disabled until a variation is chosen: its click, which
  // WooCommerce cancels, adds nothing; once chosen, the form posts: one add.
  const variable = await visit('capture-cartform.html?woo&variable', async (page) => {
    await itemsOnceConfigured(page);
    await page.click('#add');
    await page.click('#choose');
    await Promise.all([page.waitForURL(/added/), page.click('#add')]);
  });
  assert.equal(variable.profile.items['form-1'].cart_qty, 3);
  assert.deepEqual(await adds(variable, 1), ['form-1×3']);
  const magento = await visit('capture-cartform.html?magento', async (page) => {
    await itemsOnceConfigured(page);
    await page.click('#tee'); // a configurable product's card, no colour chosen: no add
    await page.click('#related'); // a related product's form: its card's product, not the page's
    await page.click('#add'); // no size chosen: Magento's validation refuses the form, no add
    await page.click('#swatch');
    await page.click('#add'); // a required custom option not chosen: refused too, no add
    await page.selectOption('#select_12', '31');
    await page.click('#add');
    await page.waitForFunction(() => document.body.dataset.added === '1');
  });
  assert.deepEqual([magento.profile.items['form-1'].cart_qty, magento.profile.items['MG-7']], [2, undefined]);
  assert.equal(magento.profile.items.WS12, undefined, 'a configurable product with no colour chosen');
  const bag = magento.profile.items['24-MB01'];
  assert.deepEqual([bag.item.item_name, bag.cart_qty, bag.cart_price], ['Joust Duffle Bag', 1, 3400]);
  const once = await eventually(() => {
    const o = countsByName(`visitor_id IN ('${gtm.profile.visitor_id}', '${magento.profile.visitor_id}')`);
    return o.page_view >= 2 && o.add_to_cart >= 3 && o;
  }, 10_000, 'both pages received');
  assert.equal(once.add_to_cart, 3, JSON.stringify(once));
  assert.deepEqual(await adds(gtm, 1), ['123×3']);
  assert.deepEqual(await adds(magento, 2), ['24-MB01×1', 'form-1×2']);
});

test('WooCommerce\'s shop page: its add-to-cart buttons add their card\'s product, by AJAX or by link; a variable product\'s button adds nothing', async () => {
  const shop = await visit('capture-wooshop.html', async (page) => {
    await itemsOnceConfigured(page);
    await page.click('#variable');
    await page.click('#tote');
    await page.waitForFunction(() => document.body.dataset.added === '1');
    await Promise.all([page.waitForURL(/add-to-cart=456/), page.click('#plain')]);
    await itemsOnceConfigured(page);
  });
  const tote = shop.profile.items['TOTE-1'], socks = shop.profile.items['456'];
  assert.deepEqual([tote.item.item_name, tote.cart_qty, tote.cart_price, tote.item.url], ['リネンのトート', 1, 2400, `${collector.url}/fixtures/product/linen-tote/`]);
  assert.deepEqual([socks.item.item_name, socks.cart_qty, socks.cart_price], ['綿の靴下', 1, 1200]);
  assert.equal(shop.profile.items['789'], undefined, 'Select options adds nothing');
  assert.deepEqual(await adds(shop, 2), ['456×1', 'TOTE-1×1']);
});

test('BigCommerce\'s category page: a card\'s Add to Cart link adds its card\'s product, named by the card\'s title beyond the figure it sits in, at its sale price', async () => {
  const shop = await visit('capture-bigcommerce.html', async (page) => {
    await itemsOnceConfigured(page);
    await Promise.all([page.waitForURL(/cart\.php/), page.click('#add')]); // it adds, and leads to the cart
  });
  const page = `${collector.url}/fixtures/bigcommerce/orbit-terrarium-large/`, terrarium = shop.profile.items[page];
  assert.deepEqual([terrarium.item.item_name, terrarium.cart_qty, terrarium.cart_price, terrarium.item.url],
    ['Orbit Terrarium - Large', 1, 109, page]);
  assert.deepEqual(Object.keys(shop.profile.items), [page]);
  assert.deepEqual(await adds(shop, 1), [`${page}×1`]);
});

test('EC-CUBE: its product page\'s and its list\'s cart buttons, cancelled by the theme and posted by XHR, are one add each', async () => {
  // The product page: the size not chosen, the browser's validation stops the form (no add);
  // chosen, 2 of the page's product (its JSON-LD's sku), once.
  const detail = await visit('eccube/products/detail/8/', async (page) => {
    await itemsOnceConfigured(page);
    await page.fill('#quantity', '2');
    await page.click('.add-cart');
    await page.selectOption('#classcategory_id1', '4');
    await page.click('.add-cart');
    await page.waitForFunction(() => document.body.dataset.added === '1');
    await itemsOnceConfigured(page);
  });
  const sand = detail.profile.items['sand-01'];
  assert.deepEqual([sand.item.item_name, sand.cart_qty, sand.cart_price], ['チェリーアイスサンド', 2, 3080]);
  assert.deepEqual(await adds(detail, 1), ['sand-01×2']);
  // The list: each card's button adds its card's product — its name (the link's first text, not
  // its description and price), its price (a range is left out), its link — under its page's
  // address, which is how that page's JSON-LD names a product without a code: its view is the
  // same item.
  // A product with a code, added from the list under its page's address, is named by its sku on
  // its page: one item, under the sku.
  const [page8, page9, page10] = [8, 9, 10].map((n) => `${collector.url}/fixtures/eccube/products/detail/${n}`);
  const list = await visit('eccube/products/list/', async (page) => {
    await itemsOnceConfigured(page);
    await page.fill('#quantity9', '3');
    await page.click('#add9');
    await page.waitForFunction(() => document.body.dataset.added === '1');
    await page.click('#add10');
    await page.waitForFunction(() => document.body.dataset.added === '2');
    // Again, the theme submitting the form a moment after the click: one more add, not two.
    await page.evaluate(() => { document.body.dataset.later = '1'; });
    await page.click('#add10');
    await page.waitForFunction(() => document.body.dataset.added === '3');
    await page.click('#add8');
    await page.waitForFunction(() => document.body.dataset.added === '4');
    await itemsOnceConfigured(page);
    await page.goto(`${page9}/`);
    await itemsOnceConfigured(page);
    await page.goto(`${page8}/`);
    await itemsOnceConfigured(page);
  });
  const cake = list.profile.items[page9], gift = list.profile.items[page10];
  assert.deepEqual([cake.item.item_name, cake.cart_qty, cake.cart_price, cake.item.url, cake.views.length],
    ['ベイクドチーズケーキ', 3, 1650, page9, 1]);
  assert.deepEqual([gift.item.item_name, gift.cart_qty, gift.item.price], ['フルーツギフト', 2, undefined]);
  assert.deepEqual(Object.keys(list.profile.items).sort(), [page10, page9, 'sand-01']);
  const sand8 = list.profile.items['sand-01'];
  assert.deepEqual([sand8.item.item_name, sand8.item.stock ?? null, sand8.cart_qty, sand8.cart_price, sand8.views.length], ['チェリーアイスサンド', null, 1, 3080, 1]);
  assert.deepEqual(await adds(list, 4), [`${page10}×1`, `${page10}×1`, `${page8}×1`, `${page9}×3`]);
});

test('カラーミーショップ: its page object gives the product and its stock (a low-stock message from it alone), its basket keeps Shopcue\'s cart', async () => {
  const { profile, shown } = await visit('capture-colorme.html?pid=170123456', async (page) => {
    const [m] = await waitForMessages(page, (ms) => ms.length === 1);
    assert.equal(m.title, '残りわずか：手織りの リネン ストールは残り2点です');
    await page.click('#add'); // ColorMe's own gtag add_to_cart, under the same product id
    await page.waitForFunction(() => document.body.dataset.added === '1');
    const cart = async () => { await itemsOnceConfigured(page); return page.evaluate(() => window.shopcue('explain').profile.cart); };
    const added = await cart();
    await page.goto(`${collector.url}/fixtures/capture-colorme.html?pid=170123456&basket=3`); // three in ColorMe's basket
    const held = await cart();
    await eventually(async () => (await profileOf(page))?.items['170123456'].cart_qty === 3, 5000, 'the basket\'s quantity taken');
    // Removed in ColorMe's basket page, another product added there: it leaves Shopcue's cart.
    await page.goto(`${collector.url}/fixtures/capture-colorme.html?pid=170123456&basket=0&other`);
    const other = await cart();
    await page.goto(`${collector.url}/fixtures/capture-colorme.html?pid=170123456&basket=0`); // bought on ColorMe's checkout
    return [added, held, other, await cart()];
  });
  assert.deepEqual(shown, [1, 1, 0, 0], 'items in the cart: added, the basket holding it, another product only, the basket empty');
  assert.deepEqual(profile.items['170123456'] && [profile.items['170123456'].item.price, profile.items['170123456'].views.length], [5500, 4]);
  const rows = await eventually(() => {
    const r = collector.query(`SELECT name, count(*) AS n FROM events WHERE visitor_id = '${profile.visitor_id}' AND name IN ('view_item', 'add_to_cart') GROUP BY name ORDER BY name`);
    return r.length === 2 && r[1].n >= 4 && r.map((x) => `${x.name}:${x.n}`);
  }, 10_000, 'the views and the add received');
  assert.deepEqual(rows, ['add_to_cart:1', 'view_item:4']);
  // A shop whose pages send no add_to_cart (no GA4): the basket holding the product the shopper
  // viewed on an earlier page is the add, sent once.
  const quiet = await visit('capture-colorme.html?pid=170123456', async (page) => {
    await waitForMessages(page, (ms) => ms.length === 1);
    await page.goto(`${collector.url}/fixtures/capture-colorme.html?pid=170123456&basket=2`);
    await itemsOnceConfigured(page);
    await page.goto(`${collector.url}/fixtures/capture-colorme.html?pid=170123456&basket=2`);
    await itemsOnceConfigured(page);
  });
  assert.equal(quiet.profile.items['170123456'].cart_qty, 2);
  assert.deepEqual(await adds(quiet, 1), ['170123456×2']);
});

test('an order placed on Shopify\'s checkout: the custom pixel sends it as the shopper\'s purchase, the storefront\'s next page records it, once', async () => {
  const { profile } = await visit('capture-cartform.html', async (page) => {
    await itemsOnceConfigured(page);
    await page.click('#add');
    await page.waitForFunction(() => document.body.dataset.added === '1');
    await page.goto(`${collector.url}/fixtures/shopify-checkout.html`);
    await page.waitForFunction(() => document.body.dataset.done);
    assert.equal(await page.evaluate(() => document.body.dataset.done), '1');
    // Back on the storefront, the cart emptied by the order: so is Shopcue's.
    await page.goto(`${collector.url}/fixtures/capture-cartform.html?cart=empty`);
    await itemsOnceConfigured(page);
    assert.equal(await page.evaluate(() => localStorage.getItem('shopcue:capture-store:orders')), null, 'taken once');
    assert.equal(await page.evaluate(() => window.shopcue('explain').profile.cart), 0);
  });
  // The knit under the id the storefront knew it by (its sku there: the pixel matched its product
  // page), not Shopify's product id; the gift, never viewed, under its product id.
  assert.deepEqual([profile.purchase_count, profile.orders, profile.items['form-1'].purchase_count, profile.items['7005'].purchase_count,
    profile.items['7001']], [1, ['5012345678901'], 1, 1, undefined]);
  // The pixel's own send and the storefront's: one purchase, under this shopper, with the order's value.
  const names = await eventually(() => {
    const o = countsByName(`visitor_id = '${profile.visitor_id}'`);
    return o.page_view >= 2 && o.purchase && o;
  }, 10_000, 'the purchase and both page views received');
  assert.equal(names.purchase, 1, JSON.stringify(names));
  const [order] = collector.query(`SELECT id, json_extract(json, '$.params.value') AS value, url FROM events
    WHERE visitor_id = '${profile.visitor_id}' AND name = 'purchase'`);
  assert.deepEqual({ ...order }, { id: 'order:5012345678901', value: 17600, url: `${collector.url}/checkouts/cn/c1/thank-you` });
});

test('JSON-LD alone: an AggregateOffer product in an array, its links relative to its page (or its <base href>)', async () => {
  const { profile, shown, viewed } = await visit('capture-jsonld.html', oneTitle);
  assert.equal(shown, '残りわずか：JSON-LDのコートは残り1点です');
  const it = profile.items['ld-1'].item;
  // Its image and link, written relative to the page, lead there from the page at `/` too.
  const page = `${collector.url}/fixtures/capture-jsonld.html`;
  assert.deepEqual([it.item_name, it.item_brand, it.item_category, it.price, it.stock, it.image, it.url],
    ['JSON-LDのコート', 'Kinari', 'outer', 19800, 1, `${collector.url}/fixtures/item.svg`, `${page}?coat=ld-1`]);
  assert.deepEqual(await viewed(), ['ld-1:1']);
  // On a page with a <base href>, they are read against it, as the browser reads them.
  const based = await visit('capture-jsonld.html?base', oneTitle);
  const folder = `${collector.url}/fixtures/eccube/`;
  assert.deepEqual([based.profile.items['ld-1'].item.image, based.profile.items['ld-1'].item.url], [`${folder}item.svg`, `${folder}?coat=ld-1`]);
});

test('JSON-LD as WooCommerce 9.6+ writes it: the price only in the offer\'s priceSpecification, a sale read as a price drop', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const open = async (query) => {
    await page.goto(`${collector.url}/fixtures/capture-woo-product.html${query}`);
    await itemsOnceConfigured(page);
  };
  // The regular price, then the same product on sale (the sale price, not the list price), then
  // another product's page, where the viewed shirt's price drop is the message.
  await open('');
  await open('?sale');
  await open('?p=socks');
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.match(m.title, /^ご覧になったリネンのシャツが.2,400に値下がりしました$/);
  const visitor = (await profileOf(page)).visitor_id;
  await page.goto(`${collector.url}/`); // leave: flush
  const views = await eventually(() => {
    const rows = collector.query(`SELECT json_extract(json, '$.params.items[0].item_id') AS item,
      json_extract(json, '$.params.items[0].price') AS price, json_extract(json, '$.params.currency') AS currency
      FROM events WHERE visitor_id = '${visitor}' AND name = 'view_item' ORDER BY ts`);
    return rows.length >= 3 && rows.map((r) => `${r.item} ${r.price} ${r.currency}`);
  }, 10_000, 'three view_item received');
  assert.deepEqual(views, ['WOO-SHIRT 3000 JPY', 'WOO-SHIRT 2400 JPY', 'WOO-SOCKS 1200 JPY']);
  assert.deepEqual(errors, []);
  await context.close();
});

test('JSON-LD as Wix Stores writes it: "Offers" and "Availability" capitalised, an ImageObject\'s contentUrl', async () => {
  const { profile, viewed } = await visit('capture-wix.html', itemsOnceConfigured);
  const it = profile.items['wix-364215376135191'].item;
  assert.deepEqual([it.item_name, it.price, it.stock, it.image, it.url],
    ['Wixのリネンシャツ', 4800, 0, 'https://static.example/media/linen.jpg', 'https://shop.example/product-page/linen-shirt']);
  assert.deepEqual(await viewed(), ['wix-364215376135191:1']);
});

test('JSON-LD a template wrote with the description\'s line breaks raw (which JSON.parse refuses) is still the page\'s product', async () => {
  const { shown, viewed } = await visit('capture-jsonld-raw.html', oneTitle);
  assert.equal(shown, '残りわずか：手書きテンプレートのシャツは残り2点です');
  assert.deepEqual(await viewed(), ['raw-1:1']);
});

test('JSON-LD as Next.js Commerce renders it (no id, sku or link): the page\'s product, named by its address', async () => {
  const { profile, viewed } = await visit('nextjs/product/acme-shirt/?color=Black&utm_source=news', itemsOnceConfigured);
  const id = `${collector.url}/fixtures/nextjs/product/acme-shirt/`;
  assert.deepEqual(Object.keys(profile.items), [id]);
  const it = profile.items[id].item;
  assert.deepEqual([it.item_name, it.price, it.image], ['Acme Circles T-Shirt', 20, 'https://cdn.example/acme-circles.png']);
  assert.deepEqual(await viewed(), [`${id}:1`]);
});

test('JSON-LD as Shopify\'s themes write it: one offer per variant, with and without SKUs', async () => {
  // The product names the variant on the page by its sku: that offer's stock and price, not the
  // first (sold-out) variant's.
  const named = await visit('capture-shopify.html', oneTitle);
  assert.equal(named.shown, '残りわずか：Shopifyのシャツは残り2点です');
  assert.deepEqual([named.profile.items['sh-M'].item.price, named.profile.items['sh-M'].item.stock], [5280, 2]);
  assert.deepEqual(await named.viewed(), ['sh-M:1']);
  // Variants without SKUs and no id on the product: its URL is its id, on every page.
  const bare = await visit('capture-shopify.html?nosku', itemsOnceConfigured);
  assert.equal(bare.shown, 1);
  const id = `${collector.url}/products/shopify-shirt`;
  assert.deepEqual(Object.keys(bare.profile.items), [id]);
  assert.equal(bare.profile.items[id].item.item_name, 'Shopifyのシャツ');
  // Its first variant is sold out: the first on sale is what the page shows, and what is read.
  assert.deepEqual([bare.profile.items[id].item.price, bare.profile.items[id].item.stock], [5280, 2]);
  assert.deepEqual(await bare.viewed(), [`${id}:1`]);
  // Opened at the sold-out variant's address (as an ad or a shared link opens it): that variant
  // is on the page, and read. Priced apart from the variant the page shows first (¥4,980
  // against ¥5,280), it is an item of its own, named by its offer's address (it has no sku), so
  // that the gap between the two prices is never taken for a price drop.
  const chosen = await visit('capture-shopify.html?nosku&variant=1', itemsOnceConfigured);
  const variant = `${id}?variant=1`;
  assert.deepEqual(Object.keys(chosen.profile.items), [variant]);
  assert.deepEqual([chosen.profile.items[variant].item.price, chosen.profile.items[variant].item.stock], [4980, 0]);
  // A variant chosen on the page (Dawn's picker replaces the address; the JSON-LD stays as the
  // page was rendered, naming M by its sku): S, priced apart, is viewed as an item of its own and
  // is what the product form adds; M chosen again in between is no second view.
  const picked = await visit('capture-shopify.html?pick', async (page) => {
    await itemsOnceConfigured(page);
    for (const v of [1, 2, 1]) {
      await page.click(`#pick-${v}`);
      await page.waitForFunction((v) => location.search.endsWith(`variant=${v}`), v);
    }
    await page.click('#add');
    await page.waitForFunction(() => document.body.dataset.added === '1');
    return page.evaluate(() => window.shopcue('explain').profile.cart);
  });
  assert.deepEqual(await picked.viewed(2), ['sh-M:1', 'sh-S:1']);
  assert.deepEqual(await adds(picked, 1), ['sh-S×1']);
  assert.deepEqual([picked.profile.items['sh-S'].cart_price, picked.profile.items['sh-M'].cart_qty ?? 0], [4980, 0], 'S in the cart at its price, M not');
});

test('JSON-LD on a listing that marks up each card is no view; a review app\'s Product beside the product\'s is passed over; a group\'s variants are the product; a card added later is no view', async () => {
  const listing = await visit('capture-listing.html', itemsOnceConfigured);
  assert.equal(listing.shown, 0, 'no card viewed');
  assert.deepEqual(Object.keys(listing.profile.items), []);
  const product = await visit('capture-listing.html?reviews', oneTitle);
  assert.equal(product.shown, '残りわずか：レビューのシャツは残り1点です');
  assert.deepEqual(Object.keys(product.profile.items), ['review-shirt']);
  assert.deepEqual(await product.viewed(), ['review-shirt:1']);
  // A ProductGroup listing its variants by reference, each variant with its offer: a product
  // page, not a listing (its first variant viewed).
  const variants = await visit('capture-listing.html?variants', oneTitle);
  assert.equal(variants.shown, '残りわずか：バリエーションのコート Sは残り1点です');
  assert.deepEqual(await variants.viewed(), ['coat-S:1']);
  // A recommendation's card added to a product page later, with its own JSON-LD: read beside the
  // page's product, a listing, not a view of the card.
  const later = await visit('capture-listing.html?later', async (page) => {
    await itemsOnceConfigured(page);
    await page.waitForFunction(() => document.body.dataset.recommended === '1');
    return page.evaluate(() => window.shopcue('explain').profile.items);
  });
  assert.equal(later.shown, 1, 'one item in the profile');
  assert.deepEqual(Object.keys(later.profile.items), ['later-shirt']);
  assert.deepEqual(await later.viewed(), ['later-shirt:1']);
});

test('schema.org microdata alone, as Magento\'s and BigCommerce\'s themes write it', async () => {
  const { profile, shown, viewed } = await visit('capture-microdata.html', itemsOnceConfigured);
  assert.equal(shown, 1);
  const it = profile.items['md-1'];
  assert.ok(it, JSON.stringify(Object.keys(profile.items)));
  // The seller's name inside the offer is not the product's; OutOfStock is stock 0.
  assert.deepEqual([it.item.item_name, it.item.item_brand, it.item.price, it.item.stock, it.item.image],
    ['マイクロデータのバッグ', 'Kinari', 12800, 0, '/fixtures/item.svg']);
  assert.deepEqual(await viewed(), ['md-1:1']);
  // An itemtype naming two types, ending in a space: the same product.
  const typed = await visit('capture-microdata.html?typed', itemsOnceConfigured);
  assert.equal(typed.shown, 1);
  assert.deepEqual(Object.keys(typed.profile.items), ['md-1']);
  assert.equal(typed.profile.items['md-1'].item.price, 12800);
  // A listing page marks up each card as a Product: none of them is a view.
  const listing = await visit('capture-microdata.html?list', itemsOnceConfigured);
  assert.equal(listing.shown, 0);
  assert.deepEqual(Object.keys(listing.profile.items), []);
});

test('Open Graph product tags alone: the product viewed at its sale price, sold out; not where JSON-LD or a GA4 push names it, nor on an article', async () => {
  const { profile, shown, viewed } = await visit('capture-opengraph.html', itemsOnceConfigured);
  assert.equal(shown, 1);
  const it = profile.items['og-1'];
  assert.ok(it, JSON.stringify(Object.keys(profile.items)));
  assert.deepEqual([it.item.item_name, it.item.item_brand, it.item.price, it.item.stock, it.item.url, it.item.image],
    ['OGPの帽子', 'Kinari', 2640, 0, 'https://shop.example/items/og-cap', '/fixtures/item.svg']);
  assert.deepEqual(await viewed(), ['og-1:1']);
  const ld = await visit('capture-opengraph.html?ld', itemsOnceConfigured);
  assert.deepEqual(Object.keys(ld.profile.items), ['og-ld-1'], 'one product, as its JSON-LD names it');
  assert.deepEqual(await ld.viewed(), ['og-ld-1:1']);
  const article = await visit('capture-opengraph.html?article', itemsOnceConfigured);
  assert.deepEqual(Object.keys(article.profile.items), []);
  const gtm = await visit('capture-opengraph.html?gtm', itemsOnceConfigured);
  assert.deepEqual(Object.keys(gtm.profile.items), ['og-gtm-1'], 'one product, as the GA4 push names it');
});

test('data attributes alone: a product block viewed, a wishlist and a cart button', async () => {
  const { profile, shown, received } = await visit('capture-attributes.html', async (page) => {
    const [m] = await waitForMessages(page, (ms) => ms.length === 1);
    await page.click('#fav');
    await page.click('#cart span'); // a click on a child of the button
    return m.title;
  });
  assert.equal(shown, '残りわずか：属性のバッグは残り2点です');
  const it = profile.items['attr-1'];
  assert.deepEqual([it.views.length, it.cart_qty, Boolean(it.favorite_at), it.item.price], [1, 1, true, 12100]);
  const rows = await received(['view_item', 'add_to_wishlist', 'add_to_cart']);
  assert.ok(rows.every((r) => r.item === 'attr-1' && r.n === 1), JSON.stringify(rows));
});

test('an SPA alone: pushState routes, JSON-LD re-rendered per route, back button', async () => {
  const { profile, shown, received } = await visit('capture-spa.html', async (page) => {
    await page.click('#a');
    const [a] = await waitForMessages(page, (ms) => ms.length === 1 && ms[0].title.includes('シャツ'));
    await page.click('#b');
    const [b] = await waitForMessages(page, (ms) => ms.length === 1 && ms[0].title.includes('パンツ'));
    await page.goBack(); // popstate: the app re-renders A first, then Shopcue hears of it
    await eventually(async () => ((await profileOf(page)).items['spa-a'] || {}).view_count === 2, 5000, 'A viewed again');
    return [a.title, b.title];
  });
  assert.deepEqual(shown, ['残りわずか：SPAのシャツは残り2点です', '残りわずか：SPAのパンツは残り1点です']);
  assert.deepEqual([profile.items['spa-a'].view_count, profile.items['spa-b'].view_count], [2, 1]);
  assert.equal(profile.page_views.length, 4, 'the first load and three SPA navigations');
  const rows = await received(['view_item', 'page_view']);
  const count = Object.fromEntries(rows.map((r) => [`${r.name}:${r.item ?? ''}`, r.n]));
  assert.deepEqual([count['view_item:spa-a'], count['view_item:spa-b'], count['page_view:']], [2, 1, 4], JSON.stringify(count));
});

test('an SPA that mounts each view after the URL changed, its JSON-LD or microdata inside the view', async () => {
  const { profile, shown, viewed } = await visit('capture-spa-views.html', async (page) => {
    await page.click('#ld');
    const [a] = await waitForMessages(page, (ms) => ms.length === 1 && ms[0].title.includes('シャツ'));
    await page.click('#md');
    const [b] = await waitForMessages(page, (ms) => ms.length === 1 && ms[0].title.includes('パンツ'));
    return [a.title, b.title];
  });
  assert.deepEqual(shown, ['残りわずか：マウントのシャツは残り2点です', '残りわずか：マウントのパンツは残り1点です']);
  assert.deepEqual([profile.items['mount-ld'].view_count, profile.items['mount-md'].view_count], [1, 1]);
  assert.equal(profile.items['mount-md'].item.stock, 1, 'a stock level microdata gives as text');
  assert.deepEqual(await viewed(2), ['mount-ld:1', 'mount-md:1']);
});

test('Hotwire Turbo: pages swapped in by Turbo Drive, JSON-LD then microdata, and back from its cache', async () => {
  const { profile, shown, viewed } = await visit('turbo/index.html', async (page) => {
    const seen = [];
    const step = async (go, title) => {
      await go();
      const [m] = await waitForMessages(page, (ms) => ms.length === 1 && ms[0].title.includes(title));
      seen.push(m.title);
    };
    await page.waitForFunction(() => window.Turbo);
    await step(() => page.click('#next'), 'シャツ');
    await step(() => page.click('#next'), 'パンツ');
    await step(() => page.goBack(), 'シャツ');
    assert.equal(await page.evaluate(() => new URL(location.href).pathname), '/fixtures/turbo/shirt.html');
    assert.equal(await page.evaluate(() => document.querySelectorAll('shopcue-message').length), 1, 'one message element');
    await eventually(async () => ((await profileOf(page)).items['turbo-shirt'] || {}).view_count === 2, 5000, 'the shirt viewed again');
    return seen;
  });
  assert.deepEqual(shown, ['残りわずか：Turboのシャツは残り2点です', '残りわずか：Turboのパンツは残り1点です', '残りわずか：Turboのシャツは残り2点です']);
  assert.deepEqual([profile.items['turbo-shirt'].view_count, profile.items['turbo-pants'].view_count], [2, 1]);
  assert.equal(profile.page_views.length, 4, 'the first load and three Turbo visits');
  assert.deepEqual(await viewed(2), ['turbo-pants:1', 'turbo-shirt:2']);
});

test('a page the browser prerenders counts nothing until the shopper opens it (script tag and npm package)', async () => {
  const probes = () => countsByName(`site = 'prerender-probe'`);
  for (const [query, page, item] of [['', 'prerender-to', 'pre-1'], ['npm', 'prerender-npm', 'npm-pre-1']]) {
    const counted = () => collector.query(`SELECT name, json_extract(json, '$.params.items[0].item_id') AS item FROM events
      WHERE site = 'capture-store' AND url LIKE '%/${page}.html' ORDER BY name`).map((r) => `${r.name}:${r.item}`);
    const before = probes();
    const since = (p, name) => (p[name] || 0) - (before[name] || 0);
    // Prerendered (speculation rules), never opened: no profile stored, nothing sent.
    const unopened = openUnwatched(`${collector.url}/fixtures/prerender-from.html?${query}`);
    try {
      const seen = await eventually(() => { const p = probes(); return (since(p, 'probe_nothing_stored') || since(p, 'probe_profile_stored')) && p; },
        20_000, 'the listing page reported');
      const got = ['probe_prerendering', 'probe_nothing_stored', 'probe_profile_stored'].map((n) => since(seen, n));
      assert.deepEqual(got, [1, 1, 0], `${page}: ${JSON.stringify(seen)}`);
      assert.deepEqual(counted(), [], page);
    } finally { unopened.close(); }
    // Prerendered, then opened: counted from then on, as any page.
    const opened = openUnwatched(`${collector.url}/fixtures/prerender-from.html?${query}&go`);
    try {
      const events = await eventually(() => { const c = counted(); return c.includes('shopcue_impression:null') && c; }, 20_000, `${page} counted`);
      assert.deepEqual(events, ['page_view:null', 'shopcue_exposure:null', 'shopcue_impression:null', `view_item:${item}`],
        `${page}: one page view, one view, its low-stock message seen once`);
      assert.equal(since(probes(), 'probe_activated'), 1, `${page} was prerendered, then activated`);
    } finally { opened.close(); }
  }
});
