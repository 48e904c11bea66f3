// Short names for the wasm's imports and exports, in the wasm and in the wasm-bindgen glue alike.
//
// wasm-bindgen names each import `__wbg_<method>_<16 hex digits>` and each closure export after
// its full Rust path; the 104 imports alone carry 5.5 KB of names twice (the wasm's import
// section and the glue's import object), and their hashes do not compress. Binaryen's
// `--minify-imports-and-exports-and-modules` renames them in the wasm (`a`, `b`, … `Aa`) and
// prints the mapping; this module applies the same mapping to the glue: the keys of the import
// object, the import module's key, and every `wasm.<export>` access. It fails, rather than ship a
// glue that no longer matches, when a name of the mapping is not found exactly where expected or
// an old name survives.
//
//   node scripts/minify-names.mjs MAP.json GLUE.js OUT.js   (rewrites one glue file)
//   import { renameGlue } from './minify-names.mjs'        (used by build-loader.mjs)
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'acorn';

/** The module name Binaryen gives the imports under `-and-modules` (its map leaves modules out;
 * a mismatch would fail every browser test at instantiation). */
export const MODULE = 'a';

/** Rewrites `glue` (wasm-bindgen output) for the renamed wasm described by `map`. */
export function renameGlue(glue, map) {
  const imports = new Map(map.imports.map(([, from, to]) => [from, to]));
  const exports = new Map(map.exports.map(([from, to]) => [from, to]));
  const modules = new Set(map.imports.map(([module]) => module));
  const edits = [];
  const seen = new Set();
  const keyName = (key) => (key.type === 'Identifier' ? key.name : key.value);
  walk(parse(glue, { ecmaVersion: 'latest', sourceType: 'module' }), (node) => {
    if (node.type === 'Property' && !node.computed) {
      const name = keyName(node.key);
      const to = imports.get(name) ?? (modules.has(name) ? MODULE : undefined);
      if (to !== undefined) {
        if (node.shorthand) throw new Error(`minify-names: shorthand property ${name}`);
        edits.push([node.key.start, node.key.end, JSON.stringify(to)]);
        seen.add(name);
      }
    } else if (
      node.type === 'MemberExpression' &&
      !node.computed &&
      node.object.type === 'Identifier' &&
      node.object.name === 'wasm' &&
      exports.has(node.property.name)
    ) {
      edits.push([node.property.start, node.property.end, exports.get(node.property.name)]);
      seen.add(node.property.name);
    }
  });
  const missing = [...imports.keys(), ...modules].filter((name) => !seen.has(name));
  if (missing.length) throw new Error(`minify-names: not in the glue: ${missing.join(', ')}`);
  let out = glue;
  for (const [start, end, text] of edits.sort((a, b) => b[0] - a[0])) {
    out = out.slice(0, start) + text + out.slice(end);
  }
  const survivors = [
    ...[...imports.keys()].filter((name) => out.includes(name)),
    ...[...exports.keys()].filter((name) => out.includes(`wasm.${name}`)),
  ];
  if (survivors.length) throw new Error(`minify-names: still in the glue: ${survivors.join(', ')}`);
  return out;
}

function walk(node, visit) {
  if (!node || typeof node.type !== 'string') return;
  visit(node);
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) value.forEach((child) => walk(child, visit));
    else if (value && typeof value === 'object') walk(value, visit);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [mapFile, glueFile, outFile] = process.argv.slice(2);
  const map = JSON.parse(readFileSync(mapFile, 'utf8'));
  writeFileSync(outFile, renameGlue(readFileSync(glueFile, 'utf8'), map));
}
