// pkg-config/values.js: how a shopcue(…) call's arguments become the JSON text the widget
// parses (the widget's own parser reads it in the browser tiers; this checks the text).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const source = readFileSync(new URL('../../pkg-config/values.js', import.meta.url), 'utf8');
// A fresh realm per test, so that polluting its prototypes cannot leak into the next test.
const realm = () => { const cx = vm.createContext({}); vm.runInContext(source, cx); return cx; };
const values = (args, cx = realm()) => { cx.args = args; return vm.runInContext('shopcueValues(args)', cx); };

test('plain values read as JSON.stringify reads them', () => {
  const args = ['track', { items: [{ item_id: 'a', price: 1980, stock: 2, tags: ['x', null], on: true }] }, 0.5, -0, null];
  assert.equal(values(args), '["track",{"items":[{"item_id":"a","price":1980,"stock":2,"tags":["x",null],"on":true}]},0.5,0,null]');
  assert.deepEqual(JSON.parse(values(args)), JSON.parse(JSON.stringify(args)));
});

test('functions, undefined, non-finite numbers, symbols, bigints, bad dates, throwing getters; a Date of another realm', () => {
  const o = { f() {}, u: undefined, n: NaN, i: -Infinity, s: Symbol('s'), b: 10n, d: new Date(0), bad: new Date('x'),
    get boom() { throw new Error('no'); }, keep: 1 };
  assert.equal(values([o, [undefined, () => 1, Infinity]]),
    '[{"n":null,"i":null,"s":null,"b":null,"d":"1970-01-01T00:00:00.000Z","bad":null,"keep":1},[null,null,null]]');
});

test('text: quotes, backslashes and control characters escaped; surrogates written as escapes', () => {
  const text = values(['"\\\n\t\u0001é日本😀\ud800']);
  assert.equal(text, '["\\u0022\\u005c\\u000a\\u0009\\u0001é日本\\ud83d\\ude00\\ud800"]');
  assert.equal(JSON.parse(text)[0], '"\\\n\t\u0001é日本😀\ud800');
});

test('a host page cannot bend what is read: toJSON, patched JSON, polluted prototypes', () => {
  const cx = realm();
  vm.runInContext(`
    Array.prototype.toJSON = function () { return 'bent'; };
    Object.prototype.injected = 'bent';
    Date.prototype.toJSON = function () { return 'bent'; };
    JSON.stringify = function () { return 'bent'; };
    args = [{ items: [1, 2], at: new Date(0), own: { toJSON() { return 'bent'; }, x: 1 } }];`, cx);
  const text = vm.runInContext('shopcueValues(args)', cx);
  assert.equal(text, '[{"items":[1,2],"at":"1970-01-01T00:00:00.000Z","own":{"x":1}}]');
});

test('cycles and depth end at 32 levels; arrays and objects at 10,000 members', () => {
  const cycle = { name: 'c' }; cycle.self = cycle;
  let depth = 0;
  for (let v = JSON.parse(values([cycle]))[0]; v; v = v.self) depth++;
  assert.equal(depth, 32);
  const wide = Object.fromEntries(Array.from({ length: 12_000 }, (_, i) => [`k${i}`, i]));
  const [obj, arr] = JSON.parse(values([wide, Array.from({ length: 12_000 }, (_, i) => i)]));
  assert.equal(Object.keys(obj).length, 10_000);
  assert.equal(obj.k9999, 9999);
  assert.equal(arr.length, 10_000);
});

test('a proxy that throws is null, and the rest is kept', () => {
  const trap = new Proxy({}, { ownKeys() { throw new Error('no'); } });
  assert.equal(values(['track', trap, { a: 1 }]), '["track",null,{"a":1}]');
});
