// Builds dist/shopcue/shopcue.js: the loader with the wasm-bindgen `no-modules` glue inlined,
// scoped inside a function so that its `let wasm_bindgen` never touches the page's globals (and
// a second copy is harmless), then minified with terser (only the one-line `/*! … */` licence
// notice is kept). With a names map (wasm-opt --minify-imports-and-exports-and-modules), the glue
// first gets the wasm's short import and export names (scripts/minify-names.mjs). The compiler
// driver (pkg-config/compiler.js), the arguments' JSON writer (pkg-config/values.js), the
// message renderer (pkg-config/render.js), the Intl helpers (pkg-config/intl.js) and the page
// moments (pkg-config/moments.js) go in at the marker of each.
import { readFileSync, writeFileSync } from 'node:fs';
import { minify } from 'terser';
import { renameGlue } from './minify-names.mjs';

const [glueFile, loaderFile, outFile, namesFile] = process.argv.slice(2);
const source = readFileSync(glueFile, 'utf8');
const glue = namesFile ? renameGlue(source, JSON.parse(readFileSync(namesFile, 'utf8'))) : source;
const loader = readFileSync(loaderFile, 'utf8');
const marker = '/*__SHOPCUE_GLUE__*/ null';
if (!loader.includes(marker)) throw new Error(`${loaderFile} lacks ${marker}`);
let inlined = loader.replace(marker, () => `(function () {\n${glue}\nreturn wasm_bindgen;\n})()`);
for (const [part, file] of [['COMPILER', 'compiler.js'], ['VALUES', 'values.js'], ['RENDER', 'render.js'],
  ['INTL', 'intl.js'], ['MOMENTS', 'moments.js']]) {
  const partMarker = `/*__SHOPCUE_${part}__*/`;
  if (!loader.includes(partMarker)) throw new Error(`${loaderFile} lacks ${partMarker}`);
  const text = readFileSync(new URL(`../pkg-config/${file}`, import.meta.url), 'utf8');
  inlined = inlined.replace(partMarker, () => text);
}
const { code } = await minify(inlined, {
  ecma: 2017,
  compress: { passes: 2 },
  mangle: true,
  format: { comments: /^!/ },
});
writeFileSync(outFile, code + '\n');
