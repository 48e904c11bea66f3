/*! Shopcue for Shopify's checkout · MIT OR Apache-2.0 */
// Shopify's checkout runs no theme scripts, so the widget never sees an order placed there. Paste
// this into Shopify admin → Settings → Customer events → Add custom pixel (permission: Analytics),
// with SITE and COLLECT as in the script tag's init. When a checkout completes, it sends the
// order to the collector as this shopper's purchase (their visitor id read from the storefront's
// Shopcue profile, so that it counts as the conversion of what they were shown) and leaves it for
// the storefront's next page, where the widget records it in the shopper's profile. An order
// counts once, whoever sends it. Each line goes by the id the shopper's profile knows its product
// by. Both need the checkout on the store's own domain (its storage); without a Shopcue profile
// there (no consent to keep one, say), nothing is sent.
const SITE = 'my-store';
const COLLECT = 'https://collector.example.com/collect';

analytics.subscribe('checkout_completed', async (event) => {
  const checkout = event.data.checkout;
  const amount = (money) => (money && money.amount != null ? Number(money.amount) : undefined);
  const key = 'shopcue:' + SITE + ':';
  try {
    const profile = JSON.parse((await browser.localStorage.getItem(key + 'profile')) || 'null');
    if (!profile || !profile.visitor_id) return;
    // Each line under the id the storefront's profile knows its product by (its product id,
    // variant id or sku, or the same /products/<handle> page), so that the purchase marks the
    // item the shopper viewed; else its product id.
    const page = (url) => (/\/products\/[^/?#]+/.exec(url || '') || [])[0];
    const known = Object.keys(profile.items || {});
    const idOf = (line) => {
      const variant = line.variant || {}, product = variant.product || {};
      const names = [product.id, variant.id, variant.sku].filter((n) => n != null && n !== '').map(String);
      const own = page(product.url);
      return known.find((id) => names.includes(id) || (own && page((profile.items[id].item || {}).url) === own)) ||
        names[0] || String(line.id);
    };
    const purchase = {
      transaction_id: String((checkout.order && checkout.order.id) || checkout.token),
      currency: checkout.currencyCode,
      value: amount(checkout.totalPrice),
      items: (checkout.lineItems || []).map((line) => ({
        item_id: idOf(line),
        item_name: line.title,
        price: amount(line.variant && line.variant.price),
        quantity: line.quantity,
      })),
    };
    const waiting = JSON.parse((await browser.localStorage.getItem(key + 'orders')) || '[]');
    await browser.localStorage.setItem(key + 'orders', JSON.stringify(waiting.concat([purchase]).slice(-5)));
    const sent = {
      id: crypto.randomUUID(), name: 'purchase', ts: Date.now(), visitor_id: profile.visitor_id,
      session_id: profile.session && profile.session.id, session_number: profile.sessions,
      url: init.context.document.location.href, params: purchase,
    };
    await fetch(COLLECT, { method: 'POST', body: JSON.stringify({ v: 1, site: SITE, events: [sent] }), keepalive: true });
  } catch (e) {
    // Storage or the network refused: the storefront's next page still records what it was left.
  }
});
