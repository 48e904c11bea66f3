// Builds dist/shopcue/shopcue.js: the loader with the wasm-bindgen `no-modules` glue inlined,
// scoped inside a function so that its `let wasm_bindgen` never touches the page's globals (and
// a second copy is harmless), then minified with terser (only the one-line `/*! … */` licence
// notice is kept). With a names map (wasm-opt --minify-imports-and-exports-and-modules), the glue
// first gets the wasm's short import and export names (scripts/minify-names.mjs). The compiler
// driver (pkg-config/compiler.js), the arguments' JSON writer (pkg-config/values.js), the
// message renderer (pkg-config/render.js), the Intl helpers (pkg-config/intl.js) and the page
// moments (pkg-config/moments.js) go in at the marker of each, and the build id (SHOPCUE_BUILD,
// from scripts/build-id.mjs) at its own.
import { readFileSync, writeFileSync } from 'node:fs';
import { minify } from 'terser';
import { renameGlue } from './minify-names.mjs';

const [glueFile, loaderFile, outFile, namesFile] = process.argv.slice(2);
const source = trimGlue(readFileSync(glueFile, 'utf8'));
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
// The build id scripts/build-id.mjs put in the wasm (the loader checks the pair).
const build = process.env.SHOPCUE_BUILD;
if (!/^[0-9a-f]{12}$/.test(build || '')) throw new Error('SHOPCUE_BUILD (scripts/build-id.mjs) is not set');
if (!inlined.includes("/*__SHOPCUE_BUILD__*/''")) throw new Error(`${loaderFile} lacks /*__SHOPCUE_BUILD__*/''`);
inlined = inlined.replace("/*__SHOPCUE_BUILD__*/''", `'${build}'`);
const { code } = await minify(inlined, {
  ecma: 2017,
  compress: { passes: 2 },
  mangle: true,
  format: { comments: /^!/ },
});
writeFileSync(outFile, code + '\n');

/**
 * The glue without what the loader never calls: it is always handed a WebAssembly.Module the
 * loader compiled and checked (its build), so the glue's own fetch by URL, its streaming
 * instantiation with a fallback for servers without `application/wasm`, `initSync` and the
 * script's own address go. Each piece must be found exactly once: a wasm-bindgen whose glue
 * reads otherwise (wasm-bindgen-cli is pinned to Cargo.lock) fails the build here.
 */
function trimGlue(glue) {
  const cut = (text, from, to, by) => {
    const start = text.indexOf(from);
    const end = start < 0 ? -1 : text.indexOf(to, start + from.length);
    if (start < 0 || end < 0 || text.indexOf(from, start + 1) >= 0) throw new Error(`the glue no longer has ${JSON.stringify(from)} … ${JSON.stringify(to)}`);
    return text.slice(0, start) + by + text.slice(end);
  };
  let g = glue;
  g = cut(g, '    let script_src;\n', '\n    /**', '');
  g = cut(g, '    async function __wbg_load(module, imports) {', '\n    function initSync(module) {',
    '    async function __wbg_load(module, imports) {\n        return { instance: await WebAssembly.instantiate(module, imports), module };\n    }\n');
  g = cut(g, '    function initSync(module) {', '    let __wbg_init_promise;', '');
  g = cut(g, '        if (module_or_path !== undefined) {', '        const { instance, module } = await __wbg_load(',
    '        ({ module_or_path } = module_or_path);\n        const imports = __wbg_get_imports();\n\n');
  g = cut(g, 'Object.assign(__wbg_init, { initSync }, exports)', ';', 'Object.assign(__wbg_init, exports)');
  return g;
}
