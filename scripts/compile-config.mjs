// Compiles a raw config into its runtime config with the compiler module (the same
// shopcue_compile.wasm that the loader fetches for raw configs, and the same compiler as
// `shopcue-collector config compile`), for static hosting:
//   node scripts/compile-config.mjs dist/shopcue/shopcue_compile.wasm www/shopcue/config.json > runtime.json
// Prints every problem with its JSON path and exits 1 when the config is invalid.
import { readFileSync } from 'node:fs';

const [wasmPath, configPath] = process.argv.slice(2);
const driver = readFileSync(new URL('../pkg-config/compiler.js', import.meta.url), 'utf8');
const shopcueCompiler = new Function(`${driver}\nreturn shopcueCompiler;`)();
const compile = shopcueCompiler(wasmPath, async (path) => new Response(readFileSync(path)));
const answer = JSON.parse(await compile(readFileSync(configPath, 'utf8')));
if (answer.runtime === undefined) {
  console.error(`${configPath}: ${answer.message}`);
  process.exit(1);
}
process.stdout.write(JSON.stringify(answer) + '\n');
