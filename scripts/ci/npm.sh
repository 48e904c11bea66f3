#!/usr/bin/env bash
# The npm package: built by dist.sh into dist/npm/; its types (generated from the core) type-check
# an example that calls every method and the ESM and React examples (tsc --noEmit, strict, with @ts-expect-error lines that must
# stay errors), and `npm pack` lists exactly the files package.json promises. Also the JavaScript
# the loader and the package share, in Node: tests/js/ (pkg-config/values.js).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f dist/npm/index.js ] || scripts/dist.sh
node --test tests/js/
node_modules/.bin/tsc -p pkg-config/npm/tsconfig.json
echo "npm: tsc --noEmit ok (pkg-config/npm/example.ts)"
node_modules/.bin/tsc -p examples/web/tsconfig.json
echo "npm: tsc --noEmit ok (examples/web: ESM, React component)"
packed=$(cd dist/npm && npm pack --dry-run --json 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const p=JSON.parse(s)[0];console.log(p.files.map(f=>f.path).sort().join(" "));console.error(`npm: ${p.name}@${p.version} ${p.files.length} files, ${p.size} bytes packed`)})')
expected="README.md compiler.js index.d.ts index.js intl.js moments.js package.json render.js shopcue_compile.wasm shopcue_wasm.js shopcue_wasm_bg.wasm values.js"
[ "$packed" = "$expected" ] || { echo "npm: packed files are [$packed], expected [$expected]" >&2; exit 1; }
echo "npm: ok"
