// Writes FILE.br (brotli, quality 11) beside each FILE, for servers that send precompressed
// siblings (nginx brotli_static, the collector's static serving): the shopper then downloads
// the compressed widget with no compression work per request. (dist.sh writes FILE.gz with
// zopfli, about 6 KB smaller on the wasm than Node's zlib at level 9.)
//
//   node scripts/precompress.mjs FILE...
import { readFileSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants } from 'node:zlib';

for (const file of process.argv.slice(2)) {
  const data = readFileSync(file);
  writeFileSync(`${file}.br`, brotliCompressSync(data, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
  }));
}
