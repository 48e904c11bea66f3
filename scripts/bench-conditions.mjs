// Condition evaluation side by side, in one Node process: Shopcue's core (the bare wasm module
// from crates/shopcue-tools-wasm, built with the shipped size-tuned release profile) against
// GrowthBook's own JS `evalCondition` (npm @growthbook/growthbook), on the same GrowthBook
// conformance cases. Prints cases per second and the ratio; both sides must get every case right.
import { readFileSync } from 'node:fs';
import { evalCondition } from '@growthbook/growthbook';
import { intlImports } from '../www/tools-intl.js';

const SUITE = process.env.SHOPCUE_CONFORMANCE || new URL('../tests/conformance/growthbook-cases.json', import.meta.url);
const WASM = new URL('../target/wasm32-unknown-unknown/release/shopcue_tools_wasm.wasm', import.meta.url);
const cases = JSON.parse(readFileSync(SUITE, 'utf8')).evalCondition;
const gbVersion = JSON.parse(readFileSync(new URL('../node_modules/@growthbook/growthbook/package.json', import.meta.url))).version;

function timed(label, perRound, round) {
  let rounds = 1, elapsed = 0, right = 0;
  while (elapsed < 300) { // calibrate to ~0.3 s, then measure for ~1 s
    const t = performance.now(); right = round(rounds); elapsed = performance.now() - t;
    if (elapsed < 300) rounds *= 2;
  }
  rounds = Math.max(1, Math.round(rounds * 1000 / elapsed));
  const t = performance.now(); right = round(rounds); elapsed = performance.now() - t;
  const total = rounds * perRound;
  if (right !== total) throw new Error(`${label}: ${total - right} wrong answers`);
  return { label, perSecond: total / (elapsed / 1000) };
}

// GrowthBook, as its SDK calls it: the condition object interpreted on every call. It logs
// "Unknown operator" for one conformance case through the console (console.error in 1.8);
// muted while timing, so the figure is its evaluation, not terminal output.
const muted = ['log', 'warn', 'error'].map((level) => [level, console[level]]);
for (const [level] of muted) console[level] = () => {};
const gb = timed(`GrowthBook ${gbVersion} evalCondition (JS)`, cases.length, (rounds) => {
  let right = 0;
  for (let r = 0; r < rounds; r++) {
    for (const [, condition, attributes, expected, groups] of cases) {
      right += evalCondition(attributes, condition, groups || {}) === expected ? 1 : 0;
    }
  }
  return right;
});
for (const [level, write] of muted) console[level] = write;

const { instance } = await WebAssembly.instantiate(readFileSync(WASM), intlImports(() => instance.exports.memory));
const wasm = instance.exports;
const json = new TextEncoder().encode(JSON.stringify(cases));
const ptr = wasm.alloc(json.length);
new Uint8Array(wasm.memory.buffer, ptr, json.length).set(json);
if (wasm.load(ptr, json.length) !== cases.length) throw new Error('the wasm module did not read every case');
const compiled = timed('Shopcue (wasm): compiled once, evaluated', cases.length, (rounds) => wasm.run(rounds));
const compiling = timed('Shopcue (wasm): compiled on every call', cases.length, (rounds) => wasm.run_compiling(rounds));

console.log(`\ncondition evaluation, GrowthBook conformance suite (${cases.length} evalCondition cases), one Node ${process.version} process`);
console.log(`  ${'engine'.padEnd(48)} ${'cases/s'.padStart(12)} ${'vs GrowthBook'.padStart(14)}`);
for (const row of [gb, compiled, compiling]) {
  console.log(`  ${row.label.padEnd(48)} ${Math.round(row.perSecond).toLocaleString('en-US').padStart(12)} ${(row.perSecond / gb.perSecond).toFixed(2).padStart(13)}×`);
}
