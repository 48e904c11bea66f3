// Inlines the wasm-bindgen `no-modules` glue into the loader, scoped inside a function so that
// its `let wasm_bindgen` never touches the page's globals (and a second copy is harmless).
import { readFileSync, writeFileSync } from 'node:fs';

const [glueFile, loaderFile, outFile] = process.argv.slice(2);
const glue = readFileSync(glueFile, 'utf8')
  .replace(/^\s*\/\*\*[\s\S]*?\*\/\s*$/gm, '') // drop doc comments copied from Rust
  .replace(/^\s*\/\/.*$/gm, '');
const loader = readFileSync(loaderFile, 'utf8');
const marker = '/*__SHOPCUE_GLUE__*/ null';
if (!loader.includes(marker)) throw new Error(`${loaderFile} lacks ${marker}`);
const inlined = `(function () {\n${glue}\nreturn wasm_bindgen;\n})()`;
writeFileSync(outFile, loader.replace(marker, () => inlined));
