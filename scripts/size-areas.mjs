// Where the widget's wasm bytes go, by area of the code: reads a wasm that still has its
// function names (scripts/twiggy.sh builds one), groups every function body by the module its
// name belongs to (`shopcue::engine`, the shell's `shopcue_wasm::render`, std, wasm-bindgen)
// and the data by what it holds, and prints raw bytes and gzip bytes per area.
//
// Gzip per area is each area compressed on its own: it shows the areas' relative weights, but
// the areas' sum is more than the whole file's gzip, which shares one dictionary across them.
// Code that the compiler inlined counts for the function it was inlined into.
//
//   node scripts/size-areas.mjs named.wasm presets.min.json
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { reader, sections } from './wasm-read.mjs';

const [wasmPath, presetsPath] = process.argv.slice(2);
const bytes = readFileSync(wasmPath);
const presets = presetsPath ? readFileSync(presetsPath) : null;

let imported = 0;
const bodies = [];
const segments = [];
const names = new Map();
for (const { id, start, end } of sections(bytes)) {
  const r = reader(bytes, start);
  if (id === 2) {
    for (let n = r.u32(); n > 0; n--) {
      r.name();
      r.name();
      const kind = r.byte();
      if (kind === 0) { r.u32(); imported++; } // a function: its type; it takes a function index
      else if (kind === 1) { r.byte(); r.skipLimits(); } // a table: element type, limits
      else if (kind === 2) r.skipLimits(); // a memory: limits
      else r.bytes(2); // a global: value type, mutability
    }
  } else if (id === 10) {
    for (let n = r.u32(); n > 0; n--) bodies.push(r.bytes(r.u32()));
  } else if (id === 11) {
    for (let n = r.u32(); n > 0; n--) {
      const flags = r.u32();
      if (flags === 2) r.u32();
      if (flags !== 1) { // the offset expression: i32.const or global.get, then end
        r.byte();
        r.u32();
        if (r.byte() !== 0x0b) throw new Error('an unexpected data segment offset');
      }
      segments.push(r.bytes(r.u32()));
    }
  } else if (id === 0 && r.name() === 'name') {
    while (r.pos < end) {
      const sub = r.byte();
      const subEnd = r.u32() + r.pos;
      if (sub === 1) for (let n = r.u32(); n > 0; n--) names.set(r.u32(), r.name());
      r.pos = subEnd;
    }
  }
}
if (names.size === 0) throw new Error(`${wasmPath} has no function names; build it with wasm-opt -g`);

/** The area a function belongs to: the first Shopcue module its name mentions (a closure of
 * `Profile::read` inside std's `FilterMap` is Profile's code), else the library it is from. */
function area(fn) {
  const own = /\b(shopcue_wasm|shopcue)\[[0-9a-f]+\]::([a-z_0-9]+)?/.exec(fn);
  if (own && own[1] === 'shopcue') return `core ${own[2] ?? ''}`;
  if (own) return SHELL_MODULES.has(own[2]) ? `shell ${own[2]}` : 'shell lib';
  if (/\b(wasm_bindgen|js_sys|web_sys)\[|^__wbg|^__wbindgen|^__externref|externref shim/.test(fn)) return 'wasm-bindgen';
  if (/\b(core|alloc|std|compiler_builtins)\[|^<(str|char|\[\w+\]|[ui]\d+|usize|f64)>|^(mem\w+|f(max|min)|__rust|__rdl)/.test(fn)) return 'std';
  // An exported function (`command`), or its body inlined into wasm-bindgen's shim for it.
  if (/^[a-z_]+( externref shim.*)?$/.test(fn)) return 'shell lib';
  return fn ? `other: ${fn}` : '(unnamed)';
}
const SHELL_MODULES = new Set(['beacon', 'heap', 'intl', 'platform', 'render', 'storage', 'tabs']);

const groups = new Map();
const add = (key, chunk) => {
  const g = groups.get(key) ?? { count: 0, parts: [] };
  g.count++;
  g.parts.push(chunk);
  groups.set(key, g);
};
bodies.forEach((body, i) => add(area(names.get(imported + i) ?? ''), body));
for (const seg of segments) {
  const at = presets ? seg.indexOf(presets) : -1;
  if (at < 0) { add('data (texts, tables)', seg); continue; }
  add('data: preset library', seg.subarray(at, at + presets.length));
  add('data (texts, tables)', Buffer.concat([seg.subarray(0, at), seg.subarray(at + presets.length)]));
}

const rows = [...groups].map(([key, g]) => {
  const all = Buffer.concat(g.parts);
  return { key, count: g.count, raw: all.length, gzip: gzipSync(all, { level: 9 }).length };
}).sort((a, b) => b.gzip - a.gzip);
const total = rows.reduce((s, r) => s + r.gzip, 0);
console.log(`${'area'.padEnd(28)} ${'items'.padStart(6)} ${'raw'.padStart(8)} ${'gzip*'.padStart(8)} ${'share'.padStart(6)}`);
for (const r of rows) {
  console.log(`${r.key.padEnd(28)} ${String(r.count).padStart(6)} ${String(r.raw).padStart(8)} ${String(r.gzip).padStart(8)} ${(100 * r.gzip / total).toFixed(1).padStart(5)}%`);
}
const raw = rows.reduce((s, r) => s + r.raw, 0);
const whole = Buffer.concat([...groups.values()].flatMap((g) => g.parts));
console.log(`${'all code and data'.padEnd(28)} ${''.padStart(6)} ${String(raw).padStart(8)} ${String(gzipSync(whole, { level: 9 }).length).padStart(8)}`);
console.log('gzip*: each area compressed on its own (their sum exceeds the whole file\'s gzip); inlined code counts for its caller.');
