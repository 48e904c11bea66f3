import { chromium } from 'playwright-core';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium' });
const p = await b.newPage({ viewport: { width: 1280, height: 900 } });
await p.goto('http://127.0.0.1:8931/studio?site=demo-store');
await p.waitForSelector('body[data-loaded="true"]');
await p.getByRole('tab', { name: 'Versions' }).click().catch(async () => { await p.click('text=Versions'); });
await p.waitForTimeout(800);
await p.screenshot({ path: '/tmp/versions.png', fullPage: true });
await b.close();
