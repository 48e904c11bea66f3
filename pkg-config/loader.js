/*! Shopcue · MIT OR Apache-2.0 */
/* Shopcue loader — finds shopcue_bg.wasm next to this script, replays queued shopcue(…) calls in
 * order, then replaces window.shopcue with the live function. Harmless when included twice; when
 * WebAssembly cannot run it logs one warning and does nothing else. Never throws into the page. */
(function (w, NAME) {
  'use strict';
  var stub = w[NAME];
  // Included twice: the first copy does the work, or has already given up and said why once.
  if (stub && (stub.loaded || stub.loading || stub.failed)) return;
  // Not a function: nothing, or an element whose id is "shopcue" (the browser names it on window).
  if (typeof stub !== 'function') {
    stub = w[NAME] = function () { (stub.q = stub.q || []).push(arguments); };
  }
  stub.loading = true;

  function log(level, args) {
    try { var c = w.console; c && c[level] && c[level].apply(c, args); } catch (e) { /* console patched away */ }
  }

  var script = document.currentScript;
  if (!script || !script.src) {
    var all = document.getElementsByTagName('script');
    for (var i = all.length - 1; i >= 0; i--) {
      if (/shopcue(\.min)?\.js(\?|#|$)/.test(all[i].src)) { script = all[i]; break; }
    }
  }
  var base = script && script.src ? script.src : w.location.href;
  var wasmUrl = new URL('shopcue_bg.wasm', base).toString();

  function giveUp(reason) {
    stub.loading = false;
    stub.failed = true;
    stub.q = [];
    stub.push = undefined;
    log('warn', ['[shopcue] disabled: ' + reason]);
  }

  if (typeof WebAssembly !== 'object' || typeof WebAssembly.instantiate !== 'function') {
    giveUp('this browser cannot run WebAssembly');
    return;
  }
  var cspHelp = 'If the page has a Content-Security-Policy, allow \'wasm-unsafe-eval\' in script-src.';
  try {
    // An empty module compiles in microseconds — unless a CSP forbids WebAssembly: then stop
    // now, before downloading the widget for nothing.
    new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
  } catch (e) {
    giveUp('WebAssembly is not allowed here (' + (e && e.message ? e.message : e) + '). ' + cspHelp);
    return;
  }

  // A head start: the config named by a queued init is fetched, and its body read, while the
  // wasm downloads and compiles — one round trip less before the first message, and the text
  // already in hand when init asks for it. init uses it for that same URL.
  var configFetch = null;
  try {
    for (var k = 0, queued = stub.q || []; k < queued.length && !configFetch; k++) {
      var options = queued[k][0] === 'init' && queued[k][1];
      if (options && typeof options.config === 'string') {
        // Given up on after 8 s (CONFIG_TIMEOUT_MS in beacon.rs), where the browser can: then
        // the page uses the copy it kept from an earlier page.
        var signal;
        try { signal = AbortSignal.timeout(8000); } catch (e) { /* an older browser waits */ }
        // The body as text; a Response that is not ok as it is (init names its status).
        configFetch = [options.config, w.fetch(options.config, { method: 'GET', cache: 'no-cache', signal: signal })
          .then(function (r) { return r.ok ? r.text() : r; })];
        configFetch[1].catch(function () { /* init reports it */ });
      }
    }
  } catch (e) { configFetch = null; /* no fetch, or a patched one: init fetches by itself */ }

  // On Shopify, the store's cart (/cart.js), read while the wasm downloads (start waits for it,
  // 1 s at most): what left it where Shopcue cannot see (bought on Shopify's checkout, on its own
  // domain; removed in a cart drawer; another device) leaves Shopcue's before the first
  // decision, so that no reminder is shown for it, and what it holds in another quantity (changed
  // in the cart drawer) takes that quantity. Each line goes by its product id, variant id, sku,
  // handle and link, then its quantity (shopcue::capture::in_cart).
  var cart = null, cartLines = null;
  try {
    var shop = w.Shopify;
    if (shop && shop.shop) {
      cart = Promise.race([new Promise(function (ok) { setTimeout(ok, 1000); }),
        w.fetch(((shop.routes && shop.routes.root) || '/') + 'cart.js', { credentials: 'same-origin' })
          .then(function (r) { return r.json(); }).then(function (c) {
            cartLines = c.items.map(function (i) { return [i.product_id, i.variant_id, i.sku, i.handle, i.url].map(String).concat(i.quantity); });
          }).catch(function () { /* no cart, or not a cart: nothing said, and no rejection left for the page to see */ })]);
    }
  } catch (e) { cart = null; }

  var bindings = /*__SHOPCUE_GLUE__*/ null;
  /*__SHOPCUE_COMPILER__*/
  /*__SHOPCUE_VALUES__*/
  /*__SHOPCUE_RENDER__*/
  /*__SHOPCUE_INTL__*/
  /*__SHOPCUE_MOMENTS__*/

  // The wasm compiled as it downloads, and started only if it is of this script's build (the
  // section scripts/build-id.mjs put in it): one of the two files kept by a cache across a
  // release (the browser's, which may serve them for a while without asking, or a CDN's) would
  // link this glue to another build's minified imports and exports. A wasm of another build is
  // fetched once more from the server; still another, this script is the stale one: the page
  // goes without Shopcue, and asks for the script anew so that the next page has the pair.
  var BUILD = /*__SHOPCUE_BUILD__*/'';
  function compile(reload) {
    // In a promise: a host page's fetch that throws is a rejection, not an exception.
    return new Promise(function (ok) { ok(w.fetch(wasmUrl, reload && { cache: 'reload' })); }).then(function (r) {
      if (!r.ok) throw new Error('it answered HTTP ' + r.status);
      var copy = r.clone();
      // A server that does not say application/wasm, or a browser without streaming
      // compilation: compiled once downloaded.
      return (WebAssembly.compileStreaming ? WebAssembly.compileStreaming(r) : Promise.reject())
        .catch(function () { return copy.arrayBuffer().then(function (b) { return WebAssembly.compile(b); }); });
    }).then(function (m) {
      var id = WebAssembly.Module.customSections(m, 'shopcue')[0];
      if (id && new TextDecoder().decode(id) === BUILD) return m;
      if (!reload) return compile(true);
      if (script && script.src) w.fetch(script.src, { cache: 'reload' }).catch(function () { /* the next page asks again */ });
      throw { release: wasmUrl + ' is of another build than shopcue.js (a cache kept one): the next page gets both anew' };
    });
  }
  // A page the browser prerenders (speculation rules, the address bar's guess) may never be
  // shown: the wasm downloads and compiles, but nothing starts — no page view, capture, message
  // or beacon — until the shopper actually opens it.
  // (Whatever the cart's answer, the widget starts: a cart it cannot read says nothing.)
  compile().then(function (m) { return bindings({ module_or_path: m }); })
    .then(function (m) { function go() { return m; } return cart ? cart.then(go, go) : m; }).then(function start() {
    if (document.prerendering) return document.addEventListener('prerenderingchange', start, { once: true });
    bindings.use_renderer(shopcueRender);
    bindings.use_intl(shopcueIntl.offset, shopcueIntl.format, shopcueIntl.device, shopcueIntl.traffic);
    try { if (configFetch) bindings.config_fetched(configFetch[0], configFetch[1]); } catch (e) { /* init fetches */ }
    try { bindings.use_compiler(shopcueCompiler(new URL('shopcue_compile.wasm', base).toString(), w.fetch.bind(w))); } catch (e) { /* a raw config then says so */ }
    var live = function (name) {
      try {
        var args = Array.prototype.slice.call(arguments, 1);
        // An option init does not read is most likely misspelt ("endpont" would send nothing):
        // said once. The list is InitOptions' (pkg-config/npm/index.d.ts; tests/js checks it).
        if (name === 'init' && args[0] && typeof args[0] === 'object') {
          var odd = Object.keys(args[0]).filter(function (k) { return 'site config endpoint consent debug render locale currency'.split(' ').indexOf(k) < 0; });
          if (odd.length) log('warn', ['[shopcue] init ignored unknown options: ' + odd.join(', ')]);
        }
        var result = bindings.command(String(name), args, shopcueValues(args));
        // Orders placed on Shopify's checkout, left by Shopcue's pixel there
        // (pkg-config/shopify-pixel.js): recorded once init has run, each once.
        if (name === 'init') {
          try {
            var key = 'shopcue:' + args[0].site + ':orders', left = w.localStorage.getItem(key);
            if (left) { w.localStorage.removeItem(key); JSON.parse(left).forEach(function (p) { live('track', 'purchase', p); }); }
          } catch (e) { /* no storage: nothing was left */ }
        }
        return result;
      } catch (e) {
        // Rejected commands are logged, never thrown into the page. Config problems are errors.
        var level = e && e.code === 'SHOPCUE_INVALID_CONFIG' ? 'error' : 'warn';
        log(level, [e && e.message ? e.message : '[shopcue] ' + e].concat(e && e.problems && e.problems.length ? [e.problems] : []));
        return undefined;
      }
    };
    live.loaded = true;
    // Google Consent Mode v2: gtag('consent', 'default' | 'update', {analytics_storage,
    // personalization_storage}) lands in dataLayer; mirror it into shopcue('consent', …).
    function consentMode(args) {
      var c = args && args[0] === 'consent' && args[2];
      if (!c || typeof c !== 'object') return;
      var out = {}, any = false;
      if (c.analytics_storage) { out.analytics = c.analytics_storage === 'granted'; any = true; }
      if (c.personalization_storage) { out.personalization = c.personalization_storage === 'granted'; any = true; }
      if (any) live('consent', out);
    }
    // Automatic capture (docs/ARCHITECTURE.md, "Capture"; each source can be switched off in the config's
    // `capture`): GA4 dataLayer pushes, schema.org JSON-LD, data-shopcue-* attributes, History
    // API navigation. The core maps and validates; this only hands over what the page holds.
    var doc = w.document;
    function guard(f) { return function () { try { return f.apply(this, arguments); } catch (e) { /* never break the page */ } }; }
    var seen = typeof WeakSet === 'function' ? new WeakSet() : null;
    // Universal Analytics' enhanced-ecommerce pushes ({ecommerce: {detail | add | remove |
    // checkout | purchase: {actionField, products}} or {impressions: […]}}), which GA4 still
    // reads and many stores still write, go in as the GA4 pushes they stand for (a checkout's
    // later steps as none); items that UA and its gtag.js syntax named id, name, brand, category
    // go in under GA4's names. A page tagged for both (as Google advised while both ran) pushes
    // each action twice: after its first GA4 push (GTM's, or gtag.js's with items named
    // item_id), the page's UA pushes are passed over.
    var UA = [['purchase', 'purchase'], ['checkout', 'begin_checkout'], ['add', 'add_to_cart'], ['remove', 'remove_from_cart'],
      ['detail', 'view_item'], ['impressions', 'view_item_list']], ga4 = false;
    function items(list) {
      return list.map(function (p) {
        return p && p.item_id == null ? { item_id: p.id, item_name: p.name, item_brand: p.brand, item_category: p.category, price: p.price, quantity: p.quantity } : p;
      });
    }
    var onEntry = guard(function (entry) {
      if (!entry || typeof entry !== 'object') return;
      if (seen) { if (seen.has(entry)) return; seen.add(entry); } // a push wrapped twice
      var args = Object.prototype.toString.call(entry) === '[object Arguments]' ? Array.prototype.slice.call(entry) : entry;
      var e = args.ecommerce, p = args[2], a, f;
      if (args[0] === 'consent') return consentMode(args);
      if (Array.isArray(args)) {
        if (args[0] !== 'event') return;
        if (p && Array.isArray(p.items)) {
          ga4 = ga4 || p.items.some(function (x) { return x && x.item_id != null; }); // gtag.js in GA4's syntax
          p = Object.assign({}, p, { items: items(p.items) });
        }
        return live('capture', 'datalayer', [args[0], args[1], p]);
      }
      for (var i = 0; e && i < UA.length; i++) {
        if ((a = e[UA[i][0]])) {
          f = a.actionField || {};
          if (!ga4 && !(f.step > 1)) {
            live('capture', 'datalayer', { event: UA[i][1], ecommerce: { currency: e.currencyCode, transaction_id: f.id, value: f.revenue,
              coupon: f.coupon, items: items(a.products || a) } });
          }
          return;
        }
      }
      if (args.event && e) { ga4 = true; live('capture', 'datalayer', args); }
    });
    // JSON-LD texts and view blocks already taken: each is captured once, on the page it
    // appeared on. After an SPA navigation, what the previous page showed (ldSeen: the texts
    // at the last scan) is not a view of the new one, whether the app re-renders before or
    // after it changes the URL. ldPage: this page's texts so far, which go in again with any
    // that appear later, so that a card an app adds later (a recommendation, recently viewed)
    // reads beside the page's product as the listing it is, not as a view of its own.
    var ldDone = [], ldSeen = [], ldPage = [], viewDone = [];
    var scanPage = guard(function () {
      ldSeen = [];
      // The new scripts go in together, as one array, so that a listing's cards read as several
      // products; one that JSON.parse refuses goes alone, costing the others nothing (the widget reads
      // a template's raw line breaks, and reports anything else it cannot read).
      for (var i = 0, fresh = [], ld = doc.querySelectorAll('script[type="application/ld+json"]'); i < ld.length; i++) {
        var text = ld[i].textContent || '';
        ldSeen.push(text);
        if (ldDone.indexOf(text) < 0) {
          ldDone.push(text);
          try { JSON.parse(text); fresh.push(text); } catch (e) { live('capture', 'jsonld', text); }
        }
      }
      if (fresh.length) live('capture', 'jsonld', '[' + (ldPage = ldPage.concat(fresh)).join(',') + ']');
      // schema.org microdata (Magento's and BigCommerce's themes): the page's one Product (a
      // listing marks up several, none of them viewed), read into the object its JSON-LD would
      // be and taken as JSON-LD is (the same switch, once per element).
      // An itemtype may name more than one type (`…/Product …/IndividualProduct`), or end in a space.
      var md = [].filter.call(doc.querySelectorAll('[itemscope][itemtype*="schema.org/Product"]'), function (e) {
        return /schema\.org\/Product(\s|$)/.test(e.getAttribute('itemtype'));
      });
      if (md.length === 1 && viewDone.indexOf(md[0]) < 0) { viewDone.push(md[0]); live('capture', 'jsonld', microdata(md[0], 0)); }
      // Open Graph's product tags (og:type product: what Facebook's and Pinterest's catalogs
      // and recommendation tools read), where no JSON-LD or microdata names a product: read into
      // the Product its JSON-LD would be, under the same switch, once per description. Without
      // product:retailer_item_id (the catalog's id, which a GA4 push names too) its product is
      // named by its address, so tags are then read only where the dataLayer has no e-commerce:
      // a GA4 push naming the product by its own id would make it two.
      // og:price:amount as Shopify writes it, product:price:amount as Facebook does: one name.
      for (var og = Object.create(null), k = 0, ms = doc.querySelectorAll('meta[property]'), n; k < ms.length; k++) {
        og[n = ms[k].getAttribute('property').replace(/^(og|product):/, '')] = og[n] || ms[k].content;
      }
      var ogp = /^(og:)?product/.test(og.type) && !md.length && !/["\/]Product(Group)?"/.test(ldSeen.join()) &&
        (og.retailer_item_id || ![].some.call(w.dataLayer || [], function (e) { return e && (e.ecommerce || e[1] === 'view_item'); })) && JSON.stringify({
        '@type': 'Product', sku: og.retailer_item_id, name: og.title, brand: og.brand, image: og.image, url: og.url,
        offers: { price: og['sale_price:amount'] || og['price:amount'], priceCurrency: og['price:currency'],
          availability: /out|^oos|sold|disc/i.test(og.availability) && 'OutOfStock' } });
      if (ogp && viewDone.indexOf(ogp) < 0) { viewDone.push(ogp); live('capture', 'jsonld', ogp); }
      for (var j = 0, views = doc.querySelectorAll('[data-shopcue-item][data-shopcue-view]'); j < views.length; j++) {
        if (viewDone.indexOf(views[j]) < 0) {
          viewDone.push(views[j]);
          live('capture', 'attributes', { event: 'view_item', items: [itemOf(views[j])] });
        }
      }
      // カラーミーショップ's own object (var Colorme, which it prints on every page): a product
      // page's product — its id (the one ColorMe's own GA4 events name), name, tax-included price
      // and, where the shop keeps stock, how many are left —, and the shopper's basket, which
      // Shopcue's cart follows as it follows Shopify's (after ColorMe's checkout, on its own
      // domain, it is empty). Once a page; last, so that an odd object costs the rest nothing.
      var cm = w.Colorme, p = cm && cm.product;
      if (cm && viewDone.indexOf(cm) < 0) {
        viewDone.push(cm);
        if (p && p.id != null) {
          live('capture', 'attributes', { event: 'view_item', items: [{ item_id: String(p.id),
            item_name: String(p.name || '').replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim(),
            price: p.sales_price_including_tax != null ? p.sales_price_including_tax : p.sales_price,
            stock: typeof p.stock_num === 'number' && p.stock_num >= 0 ? p.stock_num : undefined }] });
        }
        if (cm.basket && cm.basket.items) live('capture', 'cart', { items: cm.basket.items.map(function (i) { return [String(i.id), '?pid=' + i.id, i.quantity]; }) });
      }
    });
    // An itemscope's own properties (not those of a scope inside it), as the microdata spec reads
    // them: content, else a link's or a source's URL, else the text; a nested scope as an object.
    function microdata(scope, depth) {
      var out = Object.create(null); // no inherited member taken for a property already read
      out['@type'] = scope.getAttribute('itemtype').trim().split(/\s+/);
      for (var i = 0, props = scope.querySelectorAll('[itemprop]'); i < props.length; i++) {
        var p = props[i], name = p.getAttribute('itemprop');
        if (p.parentElement.closest('[itemscope]') !== scope || name in out) continue;
        out[name] = p.hasAttribute('itemscope') ? (depth < 3 ? microdata(p, depth + 1) : null)
          : (p.getAttribute('content') || p.getAttribute('href') || p.getAttribute('src') || p.textContent || '').trim();
      }
      return out;
    }
    function itemOf(el) {
      var d = el.closest('[data-shopcue-item]').dataset, item = { item_id: d.shopcueItem };
      var fields = { name: 'item_name', brand: 'item_brand', category: 'item_category', price: 'price', stock: 'stock',
        quantity: 'quantity', currency: 'currency', image: 'image', url: 'url' };
      for (var k in fields) {
        var v = d['shopcue' + k.charAt(0).toUpperCase() + k.slice(1)];
        if (v != null) item[fields[k]] = v;
      }
      return item;
    }
    // The product card an add-to-cart control sits in (a listing's, a related product's): the
    // nearest element around it that links to a page other than the control's own and names its
    // product (a heading or a title, else the link's first text: EC-CUBE's link holds the name,
    // a description and the price, a paragraph each; BigCommerce's button sits beside an image
    // link that names nothing, inside a figure the card's title is outside of); its link and
    // price as the card shows them. `id` is the card's product as the store names it (its sku
    // where the control says it); else the link's address without its query, as a product page's
    // JSON-LD names a product by its URL where it gives no id (EC-CUBE's without a code).
    function card(el, id) {
      for (var c = el.parentElement; c && c !== doc.body; c = c.parentElement) {
        var a = c.querySelector('a[href]:not([href^="#"],[href*=add-to-cart],[href*="action=add"])');
        if (!a) continue;
        var h = c.querySelector('h2,h3,h4,[class*=title],[class*=name]'), t = doc.createTreeWalker(a, 4), n, name;
        if (!h) while ((n = t.nextNode()) && !n.data.trim());
        if (!(name = (h || n || a).textContent.replace(/\s+/g, ' ').trim())) continue;
        // Magento's amount; WooCommerce's, its sale price first; Dawn's; BigCommerce's (not its
        // hidden MSRP); a theme's price.
        for (var i = 0, p, sel = ['[data-price-amount]', 'ins .amount', '.price-item--last', '[data-product-price-with-tax],[data-product-price-without-tax]',
          '[class*=price]']; !p && i < sel.length; i++) p = c.querySelector(sel[i]);
        return { item_id: id || a.origin + a.pathname, item_name: name, price: p && (p.getAttribute('data-price-amount') || p.textContent), url: a.href };
      }
    }
    var lastUrl = w.location.href.split('#')[0];
    var navigated = guard(function (how) {
      var url = w.location.href.split('#')[0], path = lastUrl.split('?')[0];
      if (url === lastUrl) return; // a hash change is not a page view
      lastUrl = url;
      // An address replaced on the same path is the same page with a choice made on it: a
      // variant (Shopify's themes write ?variant=…), a sort or a filter. Not a page view: the
      // page's JSON-LD is read again at the new address, which gives the chosen variant.
      if (how === 'replaceState' && url.split('?')[0] === path) {
        if (ldPage.length) live('capture', 'link', url), live('capture', 'jsonld', '[' + ldPage.join(',') + ']');
        return;
      }
      ga4 = false;
      ldDone = ldSeen.slice();
      ldPage = [];
      live('capture', 'history');
      setTimeout(scanPage, 0);
    });
    var parsing = doc.readyState === 'loading';
    if (parsing) doc.addEventListener('DOMContentLoaded', scanPage);
    var dl = w.dataLayer = w.dataLayer || [];
    // Replay in order; calls made meanwhile (even during the replay) join the same queue.
    var q = stub.q || [];
    for (var i = 0; i < q.length; i++) live.apply(null, q[i]);
    stub.q = [];
    w[NAME] = live;
    // A page already parsed: what it holds is captured now, after its queued init and before
    // the first decision (which comes once this script ends).
    if (!parsing) scanPage();
    if (cartLines) live('capture', 'cart', { items: cartLines });
    try {
      for (var j = 0; j < dl.length; j++) onEntry(dl[j]); // pushed before Shopcue loaded
      // Wrap push, and whatever push GTM or gtag installs later (they replace it on load).
      var wrap = function (fn) {
        return function () {
          var result = fn.apply(this, arguments);
          for (var k = 0; k < arguments.length; k++) onEntry(arguments[k]);
          return result;
        };
      };
      var wrapped = wrap(dl.push);
      Object.defineProperty(dl, 'push', { configurable: true, enumerable: false,
        get: function () { return wrapped; }, set: function (fn) { wrapped = wrap(fn); } });
    } catch (e) { /* a frozen or exotic dataLayer: consent then comes from shopcue('consent', …) only */ }
    try {
      ['pushState', 'replaceState'].forEach(function (m) {
        var original = w.history[m];
        if (typeof original === 'function') {
          w.history[m] = function () { var r = original.apply(this, arguments); navigated(m); return r; };
        }
      });
      w.addEventListener('popstate', navigated);
      doc.addEventListener('click', guard(function (ev) {
        sent = null;
        var b = ev.target.closest('button,input');
        busy = b && b.matches('.disabled,[aria-disabled=true]') && b;
        if (b && b.form === held) held = null;
        var el = ev.target.closest('[data-shopcue-track]'), add = ev.target.closest('.add_to_cart_button:is(.ajax_add_to_cart,[href*=add-to-cart]),a[href*="cart.php?action=add"]');
        if (el && el.closest('[data-shopcue-item]')) {
          live('capture', 'attributes', { event: el.getAttribute('data-shopcue-track'), items: [itemOf(el)] });
        }
        // WooCommerce's add-to-cart buttons on a product card (the shop's listings, related
        // products), and BigCommerce's links (cart.php?action=add…, which add and lead to the
        // cart): an add of the card's product, whether it adds by AJAX or by its link
        // (?add-to-cart=…). A variable product's button only leads to its page.
        var d = add && add.dataset, c = add && card(add, d.product_sku || d.product_id || d.productId);
        if (c) live('capture', 'form', { quantity: +d.quantity, card: c });
      }), { capture: true, passive: true });
      // The store's own add-to-cart form, submitted (Shopify's /cart/add, Magento's
      // /checkout/cart/add, EC-CUBE's /products/add_cart, BigCommerce's cart.php with action=add,
      // WooCommerce's add-to-cart button), in the form's quantity: the page's product (the core
      // takes it on a page that viewed one), or the card's (card above) where the form is another
      // product's: a Magento product list's (data-role="tocart-form": related products, upsells),
      // an EC-CUBE list's (/products/add_cart/<id> on a page other than /products/detail/<id>),
      // or on Shopify one for a variant the page's product does not have (a collection's quick
      // add, a recommendation's). A form for another product on no card adds nothing. The core
      // takes it as one add with the store's own report of it.
      // sent: the form the click being dispatched submitted (the click listener above clears it);
      // held: the form whose cancelled click was its add, until the page submits it or the
      // shopper clicks in it again; busy: the button just clicked, if it was shown disabled
      // before the page's own handlers ran (Dawn's, while its request is on its way: a double
      // click's second submit, which Dawn passes over; WooCommerce's, until a variation is
      // chosen). A theme that disables it on the click does so after.
      var sent, held, busy, cartForm = guard(function (f) {
        sent = f;
        var el = f.elements, path = new URL(f.getAttribute('action') || '', doc.baseURI).pathname, ec = /\/products\/add_cart\/(\d+)/.exec(path);
        var meta = w.ShopifyAnalytics && w.ShopifyAnalytics.meta, id = el.namedItem('id'), c;
        if (!(/\/(cart\/add(\.js)?|checkout\/cart\/add|products\/add_cart)(\/|$)/.test(path) || el.namedItem('add-to-cart') ||
          /\/cart\.php$/.test(path) && (el.namedItem('action') || {}).value === 'add')) return;
        // Not a form the page will refuse: a native constraint broken (:invalid, which fires no
        // invalid events as checkValidity() would), or a field marked required still empty
        // (Magento's size and colour swatches, aria-required, until one is chosen; its required
        // custom options, by their class), or a Magento option left empty (a product list's
        // swatches are not marked required, and Magento sends the shopper to the product page
        // to choose).
        if (f.matches(':invalid') || [].some.call(el, function (x) {
          return !x.value && x.matches('[aria-required=true],.required,.required-entry,[name^="super_attribute["]');
        })) return;
        var q = el.namedItem('quantity') || el.namedItem('qty'), p = el.namedItem('product-id') || el.namedItem('product');
        if (f.getAttribute('data-role') === 'tocart-form' || ec && (w.location.pathname + '/').indexOf('/products/detail/' + ec[1] + '/') < 0 ||
          meta && id && !((meta.product || {}).variants || []).some(function (v) { return String(v.id) === id.value; })) {
          if (!(c = card(f, f.getAttribute('data-product-sku') || p && p.value))) return;
        }
        live('capture', 'form', { quantity: q && +q.value, card: c });
        return f;
      });
      doc.addEventListener('submit', function (ev) {
        ev.target === held ? held = null : ev.submitter && ev.submitter === busy || cartForm(ev.target);
      }, { capture: true });
      // A theme that sends the form itself from its button's click fires no submit: EC-CUBE's
      // cancels the click and posts the form by XHR. A click on a cart form's submit button that
      // the page cancelled is that add (cartForm: if the form is valid): once, should the page
      // submit the form itself as well, during the click (sent, set by that submit) or later
      // (held: after a confirmation, a check with the server). Not a button shown disabled
      // (busy).
      doc.addEventListener('click', guard(function (ev) {
        var b = ev.target.closest('button,input'), f = b && b.form;
        if (ev.defaultPrevented && f && f !== sent && /^(submit|image)$/.test(b.type) && b !== busy) held = cartForm(f);
      }));
      // Moments of a page view that scenarios may be triggered on (exit intent, scroll depth).
      shopcueMoments(function (name) { live('capture', 'moment', name); }, function () { return lastUrl; });
      if (typeof MutationObserver === 'function') {
        // A product rendered later by a single-page app: its JSON-LD, or its microdata, added
        // on its own or inside the view the app mounts (React, Vue, Turbo add a whole subtree).
        var product = 'script[type="application/ld+json"],[itemscope][itemtype*="schema.org/Product"]';
        new MutationObserver(function (records) {
          for (var r = 0; r < records.length; r++) {
            for (var n = records[r].addedNodes, a = 0; a < n.length; a++) {
              if (n[a].nodeType === 1 && (n[a].matches(product) || n[a].querySelector(product))) return void setTimeout(scanPage, 0);
            }
          }
        }).observe(doc.documentElement, { childList: true, subtree: true });
      }
    } catch (e) { /* an exotic host: capture what can be captured */ }
  }, function (e) {
    if (e && e.release) return giveUp(e.release);
    // On another origin (a CDN, the collector), a fetch refused by CORS says only "Failed to fetch".
    var here = w.location.origin;
    giveUp(wasmUrl + ' could not start (' + (e && e.message ? e.message : e) + '). ' +
      (wasmUrl.indexOf(here + '/') ? 'From another origin it needs CORS (shopcue-collector --allow-origin ' + here + '). ' : '') + cspHelp);
  });
})(window, 'shopcue');
