// Demo store logic: renders the catalog, the product page and the cart, keeps the store's own
// cart in localStorage, and tells Shopcue what the shopper does with shopcue('track', …).
(function () {
  'use strict';
  var products = window.DEMO_PRODUCTS;
  var yen = new Intl.NumberFormat('ja-JP', { style: 'currency', currency: 'JPY' });
  var CART_KEY = 'demo-store:cart';

  function byId(id) { return products.filter(function (p) { return p.item_id === id; })[0]; }
  function cart() { try { return JSON.parse(localStorage.getItem(CART_KEY)) || {}; } catch (e) { return {}; } }
  function saveCart(c) { localStorage.setItem(CART_KEY, JSON.stringify(c)); renderCartCount(); }
  function item(p, qty) {
    // GA4 item fields plus stock and url: what Shopcue needs to judge scarcity and link back.
    return { item_id: p.item_id, item_name: p.item_name, item_brand: p.item_brand, item_category: p.item_category,
             price: p.price, currency: 'JPY', stock: p.stock, quantity: qty || 1,
             url: '/product.html?id=' + encodeURIComponent(p.item_id) };
  }
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k]; else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { e.appendChild(c); });
    return e;
  }
  function swatch(p, big) {
    var s = el('div', { class: 'swatch' + (big ? ' big' : ''), 'aria-hidden': 'true' });
    s.style.background = p.color;
    s.textContent = p.item_name.charAt(0);
    return s;
  }
  function stockText(p) {
    if (p.stock === 0) return '在庫切れ';
    if (p.stock <= 3) return '残り' + p.stock + '点';
    return '在庫あり';
  }
  function renderCartCount() {
    var n = Object.keys(cart()).reduce(function (s, k) { return s + cart()[k]; }, 0);
    var badge = document.getElementById('cart-count');
    if (badge) badge.textContent = String(n);
  }

  function home(main) {
    var grid = el('ul', { class: 'grid' });
    products.forEach(function (p) {
      grid.appendChild(el('li', { class: 'card' }, [
        el('a', { href: '/product.html?id=' + p.item_id, 'data-product': p.item_id }, [
          swatch(p), el('span', { class: 'name', text: p.item_name }),
          el('span', { class: 'price', text: yen.format(p.price) }),
          el('span', { class: 'stock' + (p.stock === 0 ? ' out' : p.stock <= 3 ? ' low' : ''), text: stockText(p) })
        ])
      ]));
    });
    main.appendChild(el('h1', { text: '新着アイテム' }));
    main.appendChild(grid);
    shopcue('track', 'view_item_list', { item_list_id: 'home', items: products.map(function (p) { return item(p); }) });
    newsletter(main);
  }

  // The newsletter sign-up the demo's split test (config.json's "newsletter") counts as its
  // goal: a sign_up event, and the shopper a member from then on (its audience leaves members out).
  function newsletter(main) {
    var email = el('input', { type: 'email', name: 'email', required: 'required', autocomplete: 'email' });
    var done = el('p', { role: 'status' });
    var form = el('form', { class: 'newsletter' }, [
      el('label', {}, [document.createTextNode('メールアドレス '), email]),
      el('button', { class: 'primary', type: 'submit', text: '登録する' })
    ]);
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      shopcue('track', 'sign_up', { method: 'newsletter' });
      shopcue('identify', { member: true });
      form.hidden = true;
      done.textContent = '登録しました。クーポンをメールでお送りします。';
    });
    main.appendChild(el('section', { id: 'newsletter', 'aria-labelledby': 'newsletter-title' }, [
      el('h2', { id: 'newsletter-title', text: 'メルマガ' }), form, done
    ]));
  }

  function product(main) {
    var p = byId(new URLSearchParams(location.search).get('id'));
    if (!p) { main.appendChild(el('p', { text: '商品が見つかりません。' })); return; }
    document.title = p.item_name + ' | Shopcue Demo Store';
    var add = el('button', { id: 'add-to-cart', class: 'primary', type: 'button', text: p.stock === 0 ? '在庫切れ' : 'カートに入れる' });
    if (p.stock === 0) add.disabled = true;
    var fav = el('button', { id: 'add-to-wishlist', type: 'button', text: '♡ お気に入り' });
    var note = el('p', { id: 'added', role: 'status', class: 'note' });
    add.addEventListener('click', function () {
      var c = cart(); c[p.item_id] = (c[p.item_id] || 0) + 1; saveCart(c);
      shopcue('track', 'add_to_cart', { currency: 'JPY', value: p.price, items: [item(p, 1)] });
      note.textContent = 'カートに追加しました';
    });
    fav.addEventListener('click', function () {
      shopcue('track', 'add_to_wishlist', { currency: 'JPY', value: p.price, items: [item(p, 1)] });
      note.textContent = 'お気に入りに追加しました';
    });
    main.appendChild(el('div', { class: 'product' }, [
      swatch(p, true),
      el('div', { class: 'info' }, [
        el('p', { class: 'brand', text: p.item_brand }),
        el('h1', { text: p.item_name }),
        el('p', { class: 'price', id: 'price', text: yen.format(p.price) + '（税込）' }),
        el('p', { class: 'stock' + (p.stock === 0 ? ' out' : p.stock <= 3 ? ' low' : ''), id: 'stock', text: stockText(p) }),
        el('div', { class: 'actions' }, [add, fav]), note
      ])
    ]));
    shopcue('track', 'view_item', { currency: 'JPY', value: p.price, items: [item(p)] });
  }

  function cartPage(main) {
    var c = cart();
    var ids = Object.keys(c);
    main.appendChild(el('h1', { text: 'カート' }));
    // What the cart holds, as the store knows it: Shopcue's idea of the cart follows (an item
    // bought or removed where Shopcue did not see it leaves its cart too).
    shopcue('track', 'view_cart', { currency: 'JPY', items: ids.filter(byId).map(function (id) { return item(byId(id), c[id]); }) });
    if (!ids.length) { main.appendChild(el('p', { id: 'empty', text: 'カートは空です。' })); return; }
    var list = el('ul', { class: 'cart' });
    var total = 0;
    ids.forEach(function (id) {
      var p = byId(id); if (!p) return;
      total += p.price * c[id];
      var remove = el('button', { type: 'button', text: '削除', 'data-remove': id });
      remove.addEventListener('click', function () {
        var cc = cart(); delete cc[id]; saveCart(cc);
        shopcue('track', 'remove_from_cart', { items: [item(p, c[id])] });
        location.reload();
      });
      list.appendChild(el('li', {}, [swatch(p), el('span', { class: 'name', text: p.item_name + ' × ' + c[id] }),
        el('span', { class: 'price', text: yen.format(p.price * c[id]) }), remove]));
    });
    var buy = el('button', { id: 'purchase', class: 'primary', type: 'button', text: '購入する（デモ）' });
    buy.addEventListener('click', function () {
      shopcue('track', 'purchase', { transaction_id: 'T' + Date.now(), currency: 'JPY', value: total,
        items: ids.map(function (id) { return item(byId(id), c[id]); }) });
      saveCart({});
      main.textContent = '';
      main.appendChild(el('h1', { text: 'ご購入ありがとうございました' }));
    });
    main.appendChild(list);
    main.appendChild(el('p', { class: 'total', text: '合計 ' + yen.format(total) }));
    main.appendChild(buy);
  }

  // Trying the demo again from the start: Shopcue forgets this shopper when consent is
  // withdrawn (its stored profile, dismissals and queue), and the store forgets its cart.
  function resetButton() {
    var reset = el('button', { id: 'demo-reset', type: 'button', class: 'link', text: 'デモの買い物客をリセット (start over as a new shopper)' });
    reset.addEventListener('click', function () {
      shopcue('consent', { analytics: false, personalization: false });
      localStorage.removeItem(CART_KEY);
      location.reload();
    });
    var footer = document.querySelector('footer');
    if (footer) footer.appendChild(el('p', {}, [reset]));
  }

  var main = document.getElementById('main');
  var page = document.body.getAttribute('data-page');
  resetButton();
  ({ home: home, product: product, cart: cartPage })[page](main);
  renderCartCount();
})();
