// The Shopcue playground: the real engine (the core as a bare wasm module, built by ./x dist
// into /playground/shopcue_tools.wasm) run on an edited config and a simulated shopper, live.
// Nothing is stored or sent. Text is rendered with textContent only.
import { intlImports, utcOffsetMinutes } from '/tools-intl.js';
// Where the visit came from, read from the page's address and referrer as the widget reads it.
import { shopcueIntl } from '/npm/intl.js';

const demoConfig = {
  version: 1, site: 'demo-store', currency: 'JPY', locale: 'ja-JP', links: { cart: '/cart.html' },
  caps: { per_page: 2 },
  stores: [{ id: 'shibuya', name: '渋谷店', lat: 35.659, lon: 139.700, pickup: true }],
  scenarios: [
    { preset: 'page_low_stock' }, { preset: 'cart_low_stock' }, { preset: 'cart_price_drop' },
    { preset: 'cart_abandonment' }, { preset: 'coupon_reminder' }, { preset: 'nearest_store_pickup' },
  ],
};
/**
 * The sample shopper, for the store the config describes: item names in its language (Japanese
 * for a Japanese store, English otherwise) and amounts in its currency (6,980 yen, 69.80 of a
 * currency with cents), so that a USD store's preview does not read "$6,980.00: リネンシャツ".
 */
function demoEvents(config) {
  const ja = String(config?.locale ?? 'ja').toLowerCase().startsWith('ja');
  let cents = 0;
  try {
    cents = new Intl.NumberFormat('en', { style: 'currency', currency: config?.currency ?? 'JPY' }).resolvedOptions().maximumFractionDigits;
  } catch { /* not a currency: the widget refuses it too; amounts as they are */ }
  const amount = (yen) => yen / 10 ** cents;
  return [
    ['add_to_cart', { items: [{ item_id: 'linen-shirt', item_name: ja ? 'リネンシャツ' : 'Linen shirt', price: amount(6980), stock: 5 }] }, 4320],
    ['coupon', { coupon_id: 'WELCOME', amount: amount(500), expires_at: '2026-12-31' }, 4000],
    ['view_item', { items: [{ item_id: 'canvas-tote', item_name: ja ? 'キャンバストート' : 'Canvas tote', price: amount(2980), stock: 2, stores: { shibuya: 3 } }] }, 0],
  ];
}

const $ = (id) => document.getElementById(id);
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; };

// Locales the core does not format itself are formatted by this page's Intl, as in the widget.
const { instance } = await WebAssembly.instantiateStreaming(fetch('/playground/shopcue_tools.wasm'),
  intlImports(() => wasm.memory));
const wasm = instance.exports;
function simulate(input) {
  const bytes = new TextEncoder().encode(JSON.stringify(input));
  const ptr = wasm.alloc(bytes.length);
  new Uint8Array(wasm.memory.buffer, ptr, bytes.length).set(bytes);
  const out = wasm.simulate(ptr, bytes.length);
  const len = new DataView(wasm.memory.buffer).getUint32(out, true);
  const text = new TextDecoder().decode(new Uint8Array(wasm.memory.buffer, out + 4, len));
  wasm.dealloc(ptr, bytes.length);
  wasm.dealloc(out, len + 4);
  return JSON.parse(text);
}

function localInput(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

// The studio's "Simulated shopper" tab puts the config being edited here when this page loads,
// which can be before the top-level await above returns: that config stays.
if (!$('config').value.trim()) $('config').value = JSON.stringify(demoConfig, null, 2);
// The sample shopper follows the config's language and currency until the shopper is edited.
let shopperEdited = false, shopperFor = null;
function sampleShopper() {
  let config;
  try { config = JSON.parse($('config').value); } catch { return; }
  const key = `${config?.locale}|${config?.currency}`;
  if (shopperEdited || key === shopperFor) return;
  shopperFor = key;
  $('events').value = '[\n' + demoEvents(config).map((e) => '  ' + JSON.stringify(e)).join(',\n') + '\n]';
}
sampleShopper();
$('events').addEventListener('input', () => { shopperEdited = true; });
$('config').addEventListener('input', sampleShopper);
$('clock').value = localInput(new Date());
$('lat').value = '35.662'; $('lon').value = '139.703';

function run() {
  $('config-problems').textContent = '';
  $('event-problems').textContent = '';
  let config, events;
  try { config = JSON.parse($('config').value); } catch (e) { $('config-problems').textContent = `Config is not JSON: ${e.message}`; return; }
  try { events = JSON.parse($('events').value); } catch (e) { $('event-problems').textContent = `Events are not JSON: ${e.message}`; return; }
  const clock = new Date($('clock').value);
  const now = Number.isNaN(clock.getTime()) ? Date.now() : clock.getTime();
  const lat = parseFloat($('lat').value), lon = parseFloat($('lon').value);
  // The store's time zone, as the widget uses it (an unknown one counts as Asia/Tokyo there too).
  const offset = utcOffsetMinutes(config?.timezone ?? 'Asia/Tokyo', now) ?? 540;
  const out = simulate({ config, events, now, url: $('url').value, utc_offset_min: offset,
    location: Number.isFinite(lat) && Number.isFinite(lon) ? [lat, lon] : null, device: $('device').value,
    traffic: shopcueIntl.traffic($('url').value, $('referrer').value) ?? '' });
  $('config-problems').textContent = out.config_problems.map((p) => `${p.path}: ${p.message}`).join('\n');
  $('event-problems').textContent = out.event_problems
    .map((e) => e.problems.map((p) => `event ${e.index} ${p.path}: ${p.message}`).join('\n')).join('\n');
  const box = $('messages');
  box.replaceChildren();
  if (!out.messages.length) box.append(el('p', 'Nothing would show. The table says why.', 'hint'));
  for (const m of out.messages) {
    const card = el('div', null, 'msg');
    card.dataset.scenario = m.scenario_id;
    const t = el('div', null, 't');
    t.append(el('strong', m.title));
    if (m.body) t.append(el('span', m.body, 'body'));
    card.append(t);
    if (m.cta) { const a = el('a', m.cta.label, 'cta'); a.href = m.cta.url; card.append(a); }
    if (m.stores) {
      // "Choose your store": what the shopper picks from (add a favorite_store event to see the result).
      const pick = el('select', null, 'pick');
      pick.setAttribute('aria-label', 'stores offered');
      for (const s of m.stores) { const o = el('option', s.label); o.value = s.id; pick.append(o); }
      card.append(pick);
    }
    card.append(el('span', `${m.scenario_id} · ${m.placement}${m.target ? ` ${m.target}` : ''}${m.variant ? ` · variant ${m.variant}` : ''}`, 'where'));
    box.append(card);
  }
  const rows = $('scenarios');
  rows.replaceChildren();
  for (const s of out.explain.scenarios || []) {
    const tr = el('tr');
    if (s.reason === 'shown') tr.className = 'shown';
    tr.dataset.scenario = s.scenario_id;
    const { scenario_id: id, priority, reason, ...detail } = s;
    tr.append(el('td', id), el('td', String(priority)), el('td', reason, 'reason'),
      el('td', Object.keys(detail).length ? JSON.stringify(detail) : ''));
    rows.append(tr);
  }
  $('explain').textContent = JSON.stringify(out.explain, null, 2);
  window.__playground = out; // for tests and the curious
}

let timer;
for (const id of ['config', 'events', 'clock', 'url', 'referrer', 'lat', 'lon', 'device']) {
  $(id).addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(run, 150); });
}
run();
