import { chromium } from 'playwright-core';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium' });
const p = await b.newPage({ viewport: { width: 1280, height: 900 } });
const logs = [];
p.on('console', (m) => logs.push(m.type() + ': ' + m.text()));
p.on('pageerror', (e) => logs.push('pageerror: ' + e.message));
for (const [name, url] of process.argv.slice(2).map((a) => a.split('='))) {
  await p.goto('http://127.0.0.1:8931' + url.replaceAll('~', '='));
  await p.waitForTimeout(1500);
  await p.screenshot({ path: `/tmp/${name}.png`, fullPage: !process.env.TOP, clip: process.env.TOP ? { x: 0, y: 0, width: 1280, height: 140 } : undefined });
}
console.log(logs.join('\n'));
await b.close();
