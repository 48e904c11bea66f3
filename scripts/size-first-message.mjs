// How much of the widget's wasm a shopper's first pages run, and so how small the first
// download could be if everything else came later. Instruments dist/shopcue/shopcue_bg.wasm (a
// counter call at the top of every function, through binaryen.js), browses the demo store in
// headless Chromium against the real collector (a product with a low-stock banner, add to
// cart, the cart page, home; each page's pagehide flush included), then builds two variants of
// the shipped module and optimizes them as dist does:
//
//   - "floor": every function that did not run replaced by `unreachable`. No split can ship
//     less on the critical path: it is exactly the code these pages ran (and the optimizer
//     also drops what follows a call that would trap, so it is a little below that).
//   - "split": every function that did not run replaced by a call to an import of a second
//     module (as binaryen's wasm-split does). What a function-level split would put on the
//     critical path; the second module would still have to be downloaded by any page that
//     calls into it, and before the call.
//
// It prints raw and `gzip -9` bytes of each, with shopcue.js added for the critical path.
//
//   node scripts/size-first-message.mjs        (after scripts/dist.sh and cargo build -p shopcue-collector)
import binaryen from 'binaryen';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startCollector, launchBrowser, newShopperContext, waitForMessages } from '../tests/e2e/harness.mjs';

const b = binaryen;
const shipped = readFileSync(join(ROOT, 'dist/shopcue/shopcue_bg.wasm'));
const loader = readFileSync(join(ROOT, 'dist/shopcue/shopcue.js'));
const FEATURES = b.Features.MutableGlobals | b.Features.NontrappingFPToInt | b.Features.BulkMemory | b.Features.SignExt;
const gz = (bytes) => execFileSync('gzip', ['-9', '-n', '-c'], { input: bytes, maxBuffer: 1 << 26 }).length; // as dist.sh measures

/** Calls `f(module, ref, info, k)` for the k-th function the module defines; returns its bytes. */
function rewrite(f) {
  const m = b.readBinary(shipped);
  m.setFeatures(FEATURES);
  const defined = [];
  for (let i = 0; i < m.getNumFunctions(); i++) {
    const ref = m.getFunctionByIndex(i);
    if (b.getFunctionInfo(ref).module === '') defined.push(ref);
  }
  defined.forEach((ref, k) => f(m, ref, b.getFunctionInfo(ref), k));
  const out = m.emitBinary();
  m.dispose();
  return { out, count: defined.length };
}

// 1. Every function calls cov.m(k) first.
const { out: instrumented, count } = rewrite((m, ref, info, k) => {
  if (k === 0) m.addFunctionImport('__cov', 'cov', 'm', b.i32, b.none);
  b._BinaryenFunctionSetBody(ref, m.block(null, [m.call('__cov', [m.i32.const(k)], b.none), info.body], info.results));
});

// 2. The demo store, as a shopper goes through it.
const ran = new Set();
const collector = await startCollector();
const browser = await launchBrowser();
try {
  const context = await newShopperContext(browser);
  await context.route('**/shopcue_bg.wasm', (route) => route.fulfill({ body: Buffer.from(instrumented), contentType: 'application/wasm' }));
  await context.addInitScript(() => {
    window.__ran = new Set();
    const cov = { m: (k) => window.__ran.add(k) };
    const streaming = WebAssembly.instantiateStreaming, plain = WebAssembly.instantiate;
    WebAssembly.instantiateStreaming = (source, imports) => streaming.call(WebAssembly, source, { ...imports, cov });
    WebAssembly.instantiate = (source, imports) => plain.call(WebAssembly, source, { ...imports, cov });
  });
  const page = await context.newPage();
  const leave = async () => {
    // What the page's pagehide sends, counted before the next page replaces this one.
    await page.evaluate(() => { window.dispatchEvent(new PageTransitionEvent('pagehide')); });
    await page.waitForTimeout(300);
    for (const k of await page.evaluate(() => [...window.__ran])) ran.add(k);
  };
  await page.goto(`${collector.url}/product.html?id=linen-shirt`);
  await waitForMessages(page, (list) => list.length > 0);
  await page.click('#add-to-cart');
  await page.waitForTimeout(500);
  await leave();
  for (const path of ['/cart.html', '/']) {
    await page.goto(collector.url + path);
    await waitForMessages(page, (list) => list.length > 0);
    await leave();
  }
} finally {
  await browser.close();
  await collector.stop();
}

// 3. The two variants, optimized as dist optimizes.
const tmp = mkdtempSync(join(tmpdir(), 'shopcue-first-'));
const flags = readFileSync(join(ROOT, 'pkg-config/wasm-opt.flags'), 'utf8').split('\n').filter((l) => l.startsWith('--enable'));
const optimized = (bytes, name) => {
  writeFileSync(join(tmp, name), bytes);
  execFileSync(join(ROOT, 'node_modules/.bin/wasm-opt'), [...flags, '-Oz', join(tmp, name), '-o', join(tmp, `${name}.opt`)]);
  return readFileSync(join(tmp, `${name}.opt`));
};
const floor = optimized(rewrite((m, ref, info, k) => {
  if (!ran.has(k)) b._BinaryenFunctionSetBody(ref, m.unreachable());
}).out, 'floor.wasm');
let lazy = 0;
const split = optimized(rewrite((m, ref, info, k) => {
  if (ran.has(k)) return;
  const name = `__lazy${lazy}`;
  m.addFunctionImport(name, 's', String(lazy++), info.params, info.results);
  const args = b.expandType(info.params).map((type, i) => m.local.get(i, type));
  b._BinaryenFunctionSetBody(ref, m.call(name, args, info.results));
}).out, 'split.wasm');
rmSync(tmp, { recursive: true });

// A run that counted nothing (the counter not reached, no message on a page) measures nothing.
if (ran.size < 100 || !(floor.length < split.length && split.length < shipped.length)) {
  throw new Error(`implausible: ${ran.size} functions ran; floor ${floor.length}, split ${split.length}, shipped ${shipped.length} bytes`);
}
const row = (what, wasm) => console.log(`${what.padEnd(58)} ${String(wasm.length).padStart(8)} ${String(gz(wasm)).padStart(8)} ${String(gz(wasm) + gz(loader)).padStart(10)}`);
console.log(`functions run on the demo store's first pages: ${ran.size} of ${count}`);
console.log(`${'wasm'.padEnd(58)} ${'raw'.padStart(8)} ${'gzip -9'.padStart(8)} ${'+ loader'.padStart(10)}`);
row('as shipped', shipped);
row('split: what did not run, in a second module', split);
row('floor: only what ran (no split ships less)', floor);
