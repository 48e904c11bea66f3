// Size side by side: Shopcue's dist (loader + glue + wasm) and the browser bundles of the SDKs
// people use, fetched from npm in this run and compressed the same way (gzip -9, brotli q11).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const sizes = (files) => files.reduce((acc, f) => {
  const data = readFileSync(f);
  acc.raw += data.length;
  acc.gzip += gzipSync(data, { level: 9 }).length;
  acc.brotli += brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  return acc;
}, { raw: 0, gzip: 0, brotli: 0 });

const rows = [['Shopcue (loader + glue + wasm)', sizes(['dist/shopcue/shopcue.js', 'dist/shopcue/shopcue_bg.wasm']),
  'targeting + scenarios + rendering + beacons']];
const peers = [
  ['@growthbook/growthbook', 'dist/bundles/index.min.js', 'targeting only'],
  ['@snowplow/browser-tracker', 'dist/index.umd.min.js', 'tracking only'],
  ['@segment/analytics-next', 'dist/umd/standalone.js', 'tracking only; loads more chunks at run time'],
  ['posthog-js', 'dist/array.js', 'analytics, flags, surveys, replay loader'],
];
const dir = mkdtempSync(join(tmpdir(), 'shopcue-peers-'));
try {
  for (const [pkg, file, what] of peers) {
    try {
      const tgz = execFileSync('npm', ['pack', pkg, '--silent', '--pack-destination', dir], { encoding: 'utf8' }).trim().split('\n').pop();
      const version = tgz.replace(/^.*-(\d+\.\d+\.\d+).*$/, '$1');
      const out = join(dir, pkg.replace(/[@/]/g, '_'));
      execFileSync('mkdir', ['-p', out]);
      execFileSync('tar', ['xzf', join(dir, tgz), '-C', out]);
      rows.push([`${pkg} ${version}`, sizes([join(out, 'package', file)]), what]);
    } catch (e) {
      rows.push([pkg, null, `not measured: ${e.message.split('\n')[0]}`]);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const kb = (n) => (n / 1024).toFixed(1).padStart(7);
console.log('bundle sizes (KiB; same compression for all, measured in this run)');
console.log(`  ${'package'.padEnd(40)} ${'raw'.padStart(7)} ${'gzip'.padStart(7)} ${'brotli'.padStart(7)}  scope`);
const ours = rows[0][1];
for (const [name, s, what] of rows) {
  if (!s) { console.log(`  ${name.padEnd(40)} ${what}`); continue; }
  const ratio = s === ours ? '' : `  (Shopcue is ${(ours.gzip / s.gzip).toFixed(2)}× its gzip)`;
  console.log(`  ${name.padEnd(40)} ${kb(s.raw)} ${kb(s.gzip)} ${kb(s.brotli)}  ${what}${ratio}`);
}
