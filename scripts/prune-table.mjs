// Drops the closure shims that only wasm-bindgen's descriptors referred to from the function
// table of a wasm-bindgen output, in place, before wasm-opt:
//   node scripts/prune-table.mjs shopcue_wasm_bg.wasm
//
// Why: a cdylib exports a `__wbindgen_describe_*` function for every import js-sys and web-sys
// declare (2,600 of them), so the linker puts in the table every closure shim they mention
// (`wasm_bindgen::convert::closures::_::invoke::<…>` for Int8Array, BigInt64Array … callbacks)
// and js-sys's JSPI task waker. wasm-bindgen reads the descriptors and deletes them, but the
// table still holds the shims, and neither it nor wasm-opt can tell that no `call_indirect`
// reaches them: 2.6 KB of dead code on every page view. The shims the page really calls are
// exported by wasm-bindgen (JS calls a closure through its export, never through the table),
// so an invoke shim that is not exported is dead; so is the JSPI waker (no JSPI here).
//
// Each dead slot gets a function that takes no arguments: every invoke shim takes the
// closure's data, so a `call_indirect` that still reached a pruned slot would trap on the
// signature instead of running something else. Fails (exit 1) on anything it does not expect.
import { readFileSync, writeFileSync } from 'node:fs';
import { customName, leb, reader, sections as sectionsOf } from './wasm-read.mjs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/prune-table.mjs FILE.wasm');
  process.exit(2);
}
const bytes = readFileSync(file);
const fail = (why) => {
  console.error(`prune-table: ${file}: ${why}`);
  process.exit(1);
};

let sections;
try { sections = sectionsOf(bytes); } catch (e) { fail(e.message); }
const section = (id, name) => sections.find((s) => s.id === id && (id !== 0 || customName(bytes, s) === name));

// Function types: which take no parameters.
const types = [];
{
  const r = reader(bytes, section(1).start);
  for (let n = r.u32(); n--;) {
    if (r.byte() !== 0x60) fail('a type that is not a function type');
    const params = r.u32();
    r.bytes(params);
    r.bytes(r.u32());
    types.push(params);
  }
}
// Function index → type: imported functions first, then the module's own.
const funcType = [];
{
  const r = reader(bytes, section(2).start);
  for (let n = r.u32(); n--;) {
    r.name();
    r.name();
    const kind = r.byte();
    if (kind === 0) funcType.push(types[r.u32()]);
    else if (kind === 1) { r.byte(); r.skipLimits(); }
    else if (kind === 2) r.skipLimits();
    else if (kind === 3) { r.byte(); r.byte(); }
    else fail(`an import of kind ${kind}`);
  }
  const f = reader(bytes, section(3).start);
  for (let n = f.u32(); n--;) funcType.push(types[f.u32()]);
}
const exported = new Set();
{
  const r = reader(bytes, section(7).start);
  for (let n = r.u32(); n--;) {
    r.name();
    const kind = r.byte();
    const index = r.u32();
    if (kind === 0) exported.add(index);
  }
}
const names = new Map();
{
  const s = section(0, 'name') ?? fail('no name section (wasm-bindgen keeps it; run this before wasm-opt)');
  const r = reader(bytes, s.start);
  r.name();
  while (r.pos < s.end) {
    const id = r.byte();
    const size = r.u32();
    if (id !== 1) { r.bytes(size); continue; }
    for (let n = r.u32(); n--;) { const index = r.u32(); names.set(index, r.name()); }
  }
}
const dead = (index) => {
  const name = names.get(index) ?? '';
  return (name.includes('::convert::closures::_::invoke::<') && !exported.has(index)) || name.includes('::futures::jspi::');
};

const elem = section(9) ?? fail('no element section');
const r = reader(bytes, elem.start);
const segments = r.u32();
const out = leb(segments);
let pruned = 0, kept = 0;
for (let n = segments; n--;) {
  const flags = r.u32();
  if (flags !== 0) fail(`an element segment with flags ${flags} (only active MVP segments are expected)`);
  const offsetStart = r.pos;
  while (r.byte() !== 0x0b); // the offset expression, up to its `end`
  const offset = bytes.subarray(offsetStart, r.pos);
  const entries = Array.from({ length: r.u32() }, () => r.u32());
  const filler = [...funcType.keys()].find((i) => funcType[i] === 0 && !dead(i) && entries.includes(i))
    ?? fail('no function without parameters in the table to fill pruned slots with');
  const next = entries.map((i) => (dead(i) ? (pruned++, filler) : (kept++, i)));
  out.push(...leb(flags), ...offset, ...leb(next.length), ...next.flatMap(leb));
}
if (r.pos !== elem.end) fail('the element section has more than its segments');
const body = Buffer.from(out);
writeFileSync(file, Buffer.concat([bytes.subarray(0, elem.at), Buffer.from([9, ...leb(body.length)]), body, bytes.subarray(elem.end)]));
console.error(`prune-table: ${pruned} dead closure shims out of the function table (${kept} entries kept)`);
