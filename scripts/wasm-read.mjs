// Reading a wasm binary, for the scripts that look inside the widget's wasm
// (scripts/size-areas.mjs, scripts/prune-table.mjs): a cursor over its bytes, and its sections.

/** A cursor over `buf` from `pos`: bytes, unsigned LEB128 numbers, names, table limits. */
export function reader(buf, pos = 0) {
  return {
    get pos() { return pos; },
    set pos(at) { pos = at; },
    byte() { return buf[pos++]; },
    u32() {
      let result = 0, shift = 0, b;
      do {
        b = buf[pos++];
        result += (b & 0x7f) * 2 ** shift;
        shift += 7;
      } while (b & 0x80);
      return result;
    },
    bytes(n) { const out = buf.subarray(pos, pos + n); pos += n; return out; },
    name() { const n = this.u32(); const s = buf.toString('utf8', pos, pos + n); pos += n; return s; },
    skipLimits() { const flags = this.u32(); this.u32(); if (flags & 1) this.u32(); },
  };
}

/** Every section of the module `buf` (a Buffer): `{id, at, start, end}`, where `at` is its id
 * byte and its content runs from `start` to `end`. Throws if `buf` is no wasm module. */
export function sections(buf) {
  if (buf.readUInt32LE(0) !== 0x6d736100) throw new Error('not a wasm module');
  const out = [];
  for (const r = reader(buf, 8); r.pos < buf.length;) {
    const at = r.pos;
    const id = r.byte();
    const size = r.u32();
    out.push({ id, at, start: r.pos, end: r.pos + size });
    r.pos += size;
  }
  return out;
}

/** The name of custom section `s` (id 0). */
export const customName = (buf, s) => reader(buf, s.start).name();

/** An unsigned LEB128 encoding of `n`, as bytes. */
export function leb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}
