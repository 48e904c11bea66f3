// Marks shopcue_bg.wasm with the build it belongs to: appends a custom section named "shopcue"
// holding the first 12 hex digits of the SHA-256 of the wasm as wasm-opt wrote it, and prints
// them. scripts/build-loader.mjs writes the same digits into shopcue.js, whose loader compiles
// the wasm, reads the section and starts only a pair of one build: a cache that kept one file
// of a release and fetched the other (the browser's, a CDN's) would otherwise link shopcue.js's
// glue to another wasm's minified imports and exports (a, b, c …), which may even match.
//   node scripts/build-id.mjs shopcue_bg.wasm   → e.g. 3f2a9c1b7d4e
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';

const file = process.argv[2];
const wasm = readFileSync(file);
const id = createHash('sha256').update(wasm).digest('hex').slice(0, 12);
const leb = (n) => { const out = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n); return out; };
const name = Buffer.from('shopcue'), payload = Buffer.from(id);
const body = Buffer.concat([Buffer.from(leb(name.length)), name, payload]);
writeFileSync(file, Buffer.concat([wasm, Buffer.from([0]), Buffer.from(leb(body.length)), body]));
process.stdout.write(id);
