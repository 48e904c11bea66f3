// The studio as a marketer uses it, in real Chromium against the real collector (SQLite), signed
// in with the admin password (so every write goes through the session's CSRF token): add a
// preset from the gallery, edit its title and audience in the form, see the preview and the
// validation at the field, round-trip the JSON, publish; the demo store shows the new message
// and the dashboard counts its impression. No JSON is typed except in the JSON round trip.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, ARTIFACTS, startCollector, launchBrowser, newShopperContext, waitForMessages, eventually } from './harness.mjs';

const PASSWORD = 'correct horse battery staple';
const TOKEN = 'e2e-admin-token-for-the-studio-test';
let collector, browser;
before(async () => {
  const bin = process.env.SHOPCUE_COLLECTOR || join(ROOT, 'target/debug/shopcue-collector');
  const hash = execFileSync(bin, ['hash-password'], { input: PASSWORD + '\n', encoding: 'utf8' }).trim();
  collector = await startCollector({ env: { SHOPCUE_ADMIN_PASSWORD_HASH: hash, SHOPCUE_ADMIN_TOKEN: TOKEN } });
  browser = await launchBrowser();
});
after(async () => { await browser?.close(); await collector?.stop(); });

const NEW_TITLE = '在庫わずか！{{item.name}} あと{{item.stock}}点';
// Where a scenario added in the studio goes: after the demo config's own.
const ADDED = JSON.parse(readFileSync(join(ROOT, 'www/shopcue/config.json'), 'utf8')).scenarios.length;

test('a marketer adds a preset, edits it in the form, publishes it, and the store and dashboard show it', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const sitesAsked = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/sites') sitesAsked.push(r.method()); });
  await page.goto(`${collector.url}/studio?site=demo-store`);
  assert.equal(new URL(page.url()).pathname, '/login', 'the studio is behind the login');
  await page.getByLabel('Admin password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForSelector('body[data-loaded="true"]', { timeout: 10_000 });
  assert.equal(new URL(page.url()).pathname, '/studio');
  assert.deepEqual(sitesAsked, ['GET'], 'the list of sites is asked for once as the studio opens');

  // The list shows the live config's scenarios.
  await page.waitForSelector('tr[data-scenario="page_low_stock"] .badge.live');
  // Under its playbook name in the store's language (the demo store's config is ja-JP).
  assert.equal(await page.textContent('tr[data-scenario="page_low_stock"] .muted[lang=ja]'), '在庫僅か (EC)');

  // The gallery has every preset with its playbook name, what it does (ja and en), its rule and
  // a rendered preview.
  await page.getByRole('tab', { name: 'Gallery' }).click();
  const cards = await page.locator('#gallery [data-preset]').count();
  assert.equal(cards, 33, 'all 33 presets');
  assert.equal(await page.locator('#gallery [data-preset] p.what[lang=ja]').count(), 33, 'each says what it does');
  assert.equal(await page.locator('#gallery [data-preset] p.what:not([lang])').count(), 33);
  const card = page.locator('#gallery [data-preset="page_low_stock"]');
  assert.match(await card.textContent(), /在庫僅か \(EC\)/);
  assert.match(await card.locator('.msg[lang=en]').textContent(), /Only 2 left: Linen shirt/, 'preview with a sample item');
  // What a sample cart lacks for free shipping, in the store's currency.
  assert.match(await page.locator('#gallery [data-preset="free_shipping_nudge"] .msg[lang=ja]').textContent(), /あと[¥￥]2,200で送料無料/);
  // Finding presets by what they say: every word typed, in any case, in either language.
  assert.equal(await page.textContent('#gallery-count'), '33 presets');
  for (const words of ['price_drop', 'クーポン', 'CART stock']) {
    await page.fill('#gallery-find', words);
    const cards = await page.$$eval('#gallery [data-preset]', (cs) => cs.map((c) => ({ id: c.dataset.preset, shown: !c.hidden && c.offsetHeight > 0, text: c.textContent.toLowerCase() })));
    const shown = cards.filter((c) => c.shown);
    const match = (c) => words.toLowerCase().split(' ').every((w) => c.text.includes(w));
    assert.ok(shown.length > 0 && shown.length < 33, `${words}: ${shown.length}`);
    assert.deepEqual(cards.filter(match).map((c) => c.id), shown.map((c) => c.id), words);
    assert.equal(await page.textContent('#gallery-count'), `${shown.length} of 33 presets`);
  }
  await page.fill('#gallery-find', 'price_drop');
  assert.deepEqual((await page.$$eval('#gallery [data-preset]:not([hidden])', (cs) => cs.map((c) => c.dataset.preset))).filter((id) => id.includes('price_drop')).sort(),
    ['browse_price_drop', 'cart_price_drop', 'favorite_brand_price_drop', 'favorite_price_drop']);
  await page.fill('#gallery-find', '');
  assert.equal(await page.locator('#gallery [data-preset]:visible').count(), 33);
  await page.getByRole('button', { name: 'Add page_low_stock' }).click();

  // A draft, open in the form.
  await page.waitForSelector('tr[data-scenario="page_low_stock-2"] .badge.draft');
  const form = page.locator('#form');
  await form.getByLabel('priority').fill('99');

  // A template mistake shows at its field, from the collector's compiler.
  const titleJa = form.locator(`[data-path="$.scenarios[${ADDED}].message.title.ja"]`);
  await titleJa.fill('{{item.nmae}}');
  await page.waitForSelector(`[data-path="$.scenarios[${ADDED}].message.title.ja"][aria-invalid="true"]`);
  assert.match(await page.locator(`.error[data-for="$.scenarios[${ADDED}].message.title.ja"]`).textContent(), /nmae/);
  await titleJa.fill(NEW_TITLE);
  await page.waitForSelector(`[data-path="$.scenarios[${ADDED}].message.title.ja"]:not([aria-invalid])`);
  assert.equal(await page.locator('#problems li').count(), 0);

  // The preview follows, in both languages and at mobile width.
  const preview = page.locator('[data-preview="ja-mobile"] .msg');
  assert.equal(await preview.locator('b').textContent(), '在庫わずか！リネンシャツ あと2点');
  assert.equal(await page.locator('[data-preview="en-desktop"] .msg b').textContent(), 'Only 2 left: Linen shirt');
  // A value the shopper may not have, with a default: the compiler takes it, and the preview
  // (whose sample visitor gave no name) shows the default, as the widget does.
  await titleJa.fill('{{visitor.traits.first_name|default:"お客"}}様、' + NEW_TITLE);
  await page.waitForFunction(() => document.querySelector('[data-preview="ja-mobile"] .msg b').textContent.startsWith('お客様、'));
  assert.equal(await preview.locator('b').textContent(), 'お客様、在庫わずか！リネンシャツ あと2点');
  await page.waitForSelector(`[data-path="$.scenarios[${ADDED}].message.title.ja"]:not([aria-invalid])`);
  await titleJa.fill(NEW_TITLE);

  // Audience: visitors with at least one session, built from the documented fields.
  await form.getByRole('button', { name: '+ condition' }).first().click();
  await form.getByLabel('Audience field 1').selectOption('visitor.sessions');
  await form.getByLabel('Audience operator 1').selectOption('$gte');
  await form.getByLabel('Audience value 1').fill('1');
  // A field of a few texts offers them as its value (then the row goes again).
  await form.getByRole('button', { name: '+ condition' }).first().click();
  await form.getByLabel('Audience field 2').selectOption('page.device');
  const values = await form.getByLabel('Audience value 2').getAttribute('list');
  assert.deepEqual(await page.$$eval(`datalist#${values} option`, (os) => os.map((o) => o.value)), ['mobile', 'tablet', 'desktop']);
  await form.getByRole('button', { name: 'Remove Audience condition 2' }).click();

  // The JSON view holds what the form wrote, and an edit there comes back into the form.
  await page.getByRole('tab', { name: 'JSON' }).click();
  const json = JSON.parse(await page.locator('#json').inputValue());
  const added = json.scenarios[ADDED];
  assert.equal(added.id, 'page_low_stock-2');
  assert.equal(added.message.title.ja, NEW_TITLE);
  assert.deepEqual(added.audience, { 'visitor.sessions': { $gte: 1 } });
  added.group = 'studio';
  await page.locator('#json').fill(JSON.stringify(json, null, 2));
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByRole('tab', { name: 'Edit' }).click();
  await page.getByRole('button', { name: 'Edit page_low_stock-2' }).click();
  assert.equal(await page.locator('#form').getByLabel('exclusion group').inputValue(), 'studio');
  assert.equal(await page.locator('#form').getByLabel('priority').inputValue(), '99');
  await page.screenshot({ path: join(ARTIFACTS, 'studio.png') });

  // A preview link for the draft, then publish.
  await page.getByRole('button', { name: 'Preview link on the store' }).click();
  assert.match(await page.locator('#preview-href').getAttribute('href'), /^\/\?shopcue_preview=draft\.[0-9a-f]{32}$/);
  await page.locator('#note').fill('studio e2e');
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByText(/Published version 2/).waitFor();
  await page.waitForSelector('tr[data-scenario="page_low_stock-2"] .badge.live');
  // Nothing is left to publish or discard: both buttons are off until the next edit. (A PUT of
  // the live config through the API makes no version either: tests/publish.rs.)
  assert.ok(await page.getByRole('button', { name: 'Publish' }).isDisabled());
  assert.ok(await page.getByRole('button', { name: 'Discard changes' }).isDisabled());
  const versions = await page.evaluate(() => fetch('/api/sites/demo-store/config/versions').then((r) => r.json()));
  assert.deepEqual(versions.map((v) => v.version), [2, 1]);

  // The store shows the new message (it outranks the old one in its new group).
  const shopper = await newShopperContext(browser);
  const store = await shopper.newPage();
  await store.goto(`${collector.url}/product.html?id=linen-shirt`);
  const ms = await waitForMessages(store, (list) => list.some((m) => m.scenario === 'page_low_stock-2'));
  assert.equal(ms.find((m) => m.scenario === 'page_low_stock-2').title, '在庫わずか！リネンシャツ あと2点');
  await store.goto(`${collector.url}/cart.html`); // leaving the page sends the beacons
  // A second shopper, on a phone.
  const phone = await newShopperContext(browser, {
    viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
    userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  });
  const phonePage = await phone.newPage();
  // From an Instagram ad: the visit's channel is paid social.
  await phonePage.goto(`${collector.url}/product.html?id=linen-shirt&utm_source=instagram&utm_medium=paid_social&utm_campaign=fw26`);
  await waitForMessages(phonePage, (list) => list.some((m) => m.scenario === 'page_low_stock-2'));

  // The dashboard counts its impressions: the desktop's and the phone's, each under its device
  // class, as a new visitor (the widget's first session) and under its visit's channel. The phone's page stays open until
  // its batch is sent (within 5 s): a batch sent as the emulated phone's page unloaded arrived
  // with the headless desktop's User-Agent (emulation is per page; a real phone has one).
  const impressions = () => collector.query(
    "SELECT segment, count(*) AS n FROM events WHERE name = 'shopcue_impression' AND scenario_id = 'page_low_stock-2' GROUP BY segment ORDER BY segment");
  await eventually(async () => impressions().length === 2, 15_000, 'both impressions stored');
  assert.deepEqual(impressions().map((r) => r.segment), ['desktop:new:direct', 'mobile:new:paid_social']);
  // The studio's list has each scenario's 7-day figures, filled in where they are when they
  // arrive: a keyboard user's focus on a row's button stays there (the list drawn again lost it).
  let release;
  const held = new Promise((ok) => { release = ok; });
  await page.route('**/report?*', async (route) => { await held; await route.continue(); });
  await page.goto(`${collector.url}/studio?site=demo-store`);
  await page.focus('tr[data-scenario="page_low_stock-2"] button.edit');
  // While the figures are on their way the cells say so, not "—" (no figures).
  const waiting = page.locator('tr[data-scenario="page_low_stock-2"]').locator('td.imp, td.cvr');
  assert.deepEqual(await waiting.allTextContents(), ['…', '…']);
  release();
  await page.waitForSelector('body[data-loaded="true"]');
  await page.unroute('**/report?*');
  const figures = page.locator('tr[data-scenario="page_low_stock-2"]').locator('td.imp, td.cvr');
  assert.deepEqual(await figures.allTextContents(), ['2', '0.00%']);
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Edit page_low_stock-2');
  await page.goto(`${collector.url}/dashboard?site=demo-store`);
  await page.waitForSelector('body[data-loaded="true"]');
  const row = page.locator('#table tr[data-scenario="page_low_stock-2"]');
  const cells = await row.locator('td').allTextContents();
  assert.equal(cells[0], 'page_low_stock-2');
  assert.equal(Number(cells[3]), 2, `impressions: ${cells}`);
  // Filtered by device class and by new vs returning, from the header's controls.
  const filtered = async (label, value) => {
    await page.evaluate(() => document.body.removeAttribute('data-loaded'));
    await page.getByLabel(label).selectOption(value);
    await page.waitForSelector('body[data-loaded="true"]');
    const r = page.locator('#table tr[data-scenario="page_low_stock-2"]');
    return (await r.count()) ? Number((await r.locator('td').allTextContents())[3]) : 0;
  };
  assert.equal(await filtered('device', 'mobile'), 1, 'the phone only');
  assert.match(await page.locator('#segment').textContent(), /mobile devices only/);
  assert.equal(await filtered('visitors', 'returning'), 0, 'both shoppers were on their first visit');
  assert.equal(await filtered('visitors', 'new'), 1);
  assert.equal(await filtered('device', 'desktop'), 1, 'the desktop only');
  assert.match(await page.getAttribute('#csv', 'href'), /&device=desktop&visitor=new/);
  // By the channel each visit came from: the phone's from the ad, the desktop's typed.
  assert.equal(await filtered('device', ''), 2, 'both devices again');
  assert.equal(await filtered('channel', 'paid_social'), 1, 'the phone, from the ad');
  assert.match(await page.locator('#segment').textContent(), /new visitors, visits from paid social only/);
  assert.equal(await filtered('channel', 'direct'), 1, 'the desktop, typed');
  assert.equal(await filtered('channel', 'organic_search'), 0);
  assert.match(await page.getAttribute('#csv', 'href'), /&visitor=new&channel=organic_search/);
  assert.equal(new URL(page.url()).searchParams.get('channel'), 'organic_search', 'a reload shows the same');
  assert.deepEqual(errors, []);
  await phone.close();
  await shopper.close();
  await context.close();
});

/** The scenario ids of a runtime config (format 3, src/compiled.rs: `config`'s last field is the
 * scenarios, each led by its id). */
function runtimeScenarioIds(runtime) {
  assert.equal(runtime.runtime, 3);
  return runtime.config[runtime.config.length - 1].map((s) => s[0]);
}

/** A new browser context signed in to the studio (through the login page's redirect). */
// The session cookie of the first sign-in: the next marketers' browsers (each a context of its
// own, with its own storage) start with it, since the sign-in page allows 5 tries a minute.
let session = null;
async function signedIn() {
  const storageState = session ? { cookies: session, origins: [] } : undefined;
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, storageState });
  const page = await context.newPage();
  if (session) {
    await page.goto(`${collector.url}/studio?site=demo-store`);
  } else {
    await page.goto(`${collector.url}/login?next=/studio%3Fsite%3Ddemo-store`);
    await page.getByLabel('Admin password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await page.waitForSelector('body[data-loaded="true"]');
  session ??= await context.cookies();
  return { context, page };
}

test('pausing keeps a scenario in the config but out of the store; versions diff and roll back', async () => {
  const { context, page } = await signedIn();
  // From the keyboard: the list is drawn again with the scenario paused, and the focus is on
  // the same row's button, now Resume.
  await page.getByRole('button', { name: 'Pause page_low_stock', exact: true }).focus();
  await page.keyboard.press('Enter');
  await page.waitForSelector('tr[data-scenario="page_low_stock"] .badge.paused');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Resume page_low_stock');
  await page.getByRole('button', { name: 'Publish' }).click();
  const published = await page.getByText(/Published version \d+/).textContent();
  const version = Number(/version (\d+)/.exec(published)[1]);
  const live = await (await fetch(`${collector.url}/shopcue/sites/demo-store/config.json`)).json();
  const ids = runtimeScenarioIds(live);
  assert.ok(!ids.includes('page_low_stock') && ids.includes('cart_low_stock'), `runtime scenarios: ${ids}`);

  await page.getByRole('tab', { name: 'Versions' }).click();
  await page.waitForSelector(`#versions tr[data-version="${version}"] .badge.live`);
  assert.equal(await page.locator('#diff-to').inputValue(), String(version));
  await page.getByRole('button', { name: 'Show diff' }).click();
  await eventually(async () => /"paused": true/.test(await page.locator('#diff-out').textContent()), 5000, 'the diff');
  await page.getByRole('button', { name: 'Roll back to version 1' }).click();
  await page.getByText(/Version 1 is live again/).waitFor();
  const back = await (await fetch(`${collector.url}/shopcue/sites/demo-store/config.json`)).json();
  assert.deepEqual(runtimeScenarioIds(back), ['page_low_stock', 'cart_low_stock', 'newsletter']);
  // The activity (the audit log) under the versions: the rollback, then the publish before it.
  const activity = () => page.$$eval('#activity tr[data-action]', (rows) => rows.slice(0, 2).map((r) => [...r.cells].map((c) => c.textContent)));
  await eventually(async () => (await activity()).length === 2 && (await activity())[0][2] === 'rollback', 5000, 'the rollback listed');
  const [rolled, publish] = await activity();
  assert.deepEqual([rolled[2], rolled[3], publish[2], publish[3]], ['rollback', String(version + 1), 'publish', String(version)]);
  assert.equal(rolled[4], 'rollback to version 1');
  await context.close();
});

test('a misspelt audience field and time zone are shown where the marketer wrote them, with the closest names', async () => {
  const { context, page } = await signedIn();
  await page.getByRole('tab', { name: 'JSON' }).click();
  const config = JSON.parse(await page.inputValue('#json'));
  // A key written twice is not applied (JSON.parse would keep the last "scenarios": none).
  const twice = JSON.stringify(config, null, 2).replace(/\n}$/, ',\n  "scenarios": []\n}');
  await page.fill('#json', twice);
  await page.click('#json-apply');
  const refused = await eventually(() => page.textContent('#json-error').then((t) => t || false), 5000, 'the JSON refused');
  const line = twice.split('\n').findIndex((l) => l.startsWith('  "scenarios": []')) + 1;
  assert.equal(refused, `Not applied: invalid JSON at line ${line}, column 3: "scenarios" is already set in this object (a key may appear once)`);
  // The cursor is put there, on the second "scenarios".
  const cursor = await page.$eval('#json', (box) => [box.selectionStart, box.selectionEnd, document.activeElement === box]);
  const at = twice.lastIndexOf('"scenarios": []');
  assert.deepEqual(cursor, [at, at, true]);
  assert.equal(await page.$$eval('#scenarios tr[data-scenario]', (rows) => rows.length), config.scenarios.length, 'the scenarios stay');
  config.timezone = 'Asia/Tokio';
  config.scenarios[0].audience = { 'visitor.days_since_last_purhase': { $lte: 30 } };
  await page.fill('#json', JSON.stringify(config, null, 2));
  // Checks of this config only: a check that an earlier change scheduled (the page's own loads
  // can finish late on a slow machine) is of the config before it.
  const checks = [];
  page.on('request', (r) => { if (r.url().endsWith('/config/check') && (r.postData() || '').includes('purhase')) checks.push(r.url()); });
  await page.click('#json-apply');
  const problems = await eventually(async () => {
    const l = await page.$$eval('#problems li', (ls) => ls.map((x) => x.textContent));
    return l.length === 2 && l;
  }, 5000, 'both problems listed');
  assert.match(problems[0], /^\$\.timezone: unknown time zone "Asia\/Tokio".*Did you mean "Asia\/Tokyo"\?$/);
  assert.match(problems[1], /^\$\.scenarios\[0\]\.audience\.visitor\.days_since_last_purhase: no such field.*Did you mean "visitor\.days_since_last_purchase"\?/);
  await page.waitForTimeout(600); // past the check a change schedules
  assert.equal(checks.length, 1, 'Apply asks the collector once');
  // The list marks the scenario that has a problem, and only it.
  const marked = () => page.$$eval('#scenarios tr[data-scenario]', (rows) => rows.map((r) => !!r.querySelector('.error')));
  assert.deepEqual(await marked(), config.scenarios.map((_, i) => i === 0));
  // In the form, at the audience row that names the field.
  await page.getByRole('tab', { name: 'Edit' }).click();
  await page.locator(`tr[data-scenario="${config.scenarios[0].id ?? config.scenarios[0].preset}"]`).getByRole('button', { name: 'Edit' }).click();
  await page.waitForSelector('[data-path="$.scenarios[0].audience.visitor.days_since_last_purhase"][aria-invalid="true"]');
  // A preset's param that its condition never holds with (a share written as a percentage) is
  // shown at the param's own field, which the marketer wrote, not in the preset's condition.
  await page.getByRole('tab', { name: 'JSON' }).click();
  config.scenarios[1] = { preset: 'favorite_price_drop', params: { min_drop: 10 } };
  await page.fill('#json', JSON.stringify(config, null, 2));
  await page.click('#json-apply');
  const param = await eventually(async () => {
    const l = await page.$$eval('#problems li', (ls) => ls.map((x) => x.textContent));
    return l.length === 3 && l[2];
  }, 5000, 'the param\'s problem listed');
  assert.equal(param, '$.scenarios[1].params.min_drop: price_drop_pct holds a share from 0 to 1 (10 % is 0.1): $gte 10 holds for none of its values (used at subject.where.price_drop_pct.$gte)');
  await page.getByRole('tab', { name: 'Edit' }).click();
  await page.locator('tr[data-scenario="favorite_price_drop"]').getByRole('button', { name: 'Edit' }).click();
  await page.waitForSelector('[data-path="$.scenarios[1].params.min_drop"][aria-invalid="true"]');
  // Nothing of it was published.
  const live = await (await fetch(`${collector.url}/shopcue/sites/demo-store/config.json`)).json();
  assert.ok(!JSON.stringify(live).includes('purhase'));
  assert.ok(!JSON.stringify(live).includes('favorite_price_drop'));
  await context.close();
});

test('a scenario\'s goal is set in the form: a page view is refused at the field, a page\'s path and a sign-up go into the config', async () => {
  // Two visitors reached the contact form's thank-you page yesterday.
  const ts = Date.now() - 864e5;
  const events = [1, 2].map((n) => ({ id: `thanks-${n}`, name: 'page_view', ts, visitor_id: `reach-${n}`, session_id: `reach-${n}`,
    url: `${collector.url}/contact/thanks?n=${n}`, params: {} }));
  assert.equal((await fetch(`${collector.url}/collect`, { method: 'POST', body: JSON.stringify({ site: 'demo-store', events }) })).status, 200);
  const { context, page } = await signedIn();
  await page.getByRole('tab', { name: 'JSON' }).click();
  const config = JSON.parse(await page.inputValue('#json'));
  await page.getByRole('tab', { name: 'Edit' }).click();
  await page.locator(`tr[data-scenario="${config.scenarios[0].id ?? config.scenarios[0].preset}"]`).getByRole('button', { name: 'Edit' }).click();
  const goal = page.getByLabel('goal (the event or page that counts as a conversion)');
  assert.equal(await goal.getAttribute('placeholder'), 'purchase', 'a purchase when left empty');
  assert.equal(await goal.getAttribute('data-path'), '$.scenarios[0].goal');
  const offered = await page.$$eval('#goals option', (os) => os.map((o) => o.value));
  assert.ok(offered.includes('sign_up') && offered.includes('generate_lead'), offered.join());
  await goal.fill('page_view');
  await page.waitForSelector('[data-path="$.scenarios[0].goal"][aria-invalid="true"]');
  const problems = await eventually(async () => {
    const l = await page.$$eval('#problems li', (ls) => ls.map((x) => x.textContent));
    return l.length && l;
  }, 5000, 'the problem listed');
  assert.match(problems.join('\n'), /^\$\.scenarios\[0\]\.goal: cannot be page_view/m);
  // A page is a goal too, written as its path, without the query it is matched without.
  await goal.fill('/contact/thanks?sent=1');
  const query = await eventually(async () => {
    const l = await page.$$eval('#problems li', (ls) => ls.map((x) => x.textContent).join('\n'));
    return /leave out the query/.test(l) && l;
  }, 5000, 'the query refused');
  assert.match(query, /^\$\.scenarios\[0\]\.goal: a page goal is a path/m);
  await goal.fill('/contact/thanks');
  await page.waitForSelector('[data-path="$.scenarios[0].goal"]:not([aria-invalid])');
  // The pages visitors reached are offered, and the field says how many views reach the goal.
  assert.ok((await page.$$eval('#goals option', (os) => os.map((o) => o.value))).includes('/contact/thanks'));
  await page.waitForSelector('#goal-reach[data-count="2"]');
  assert.equal(await page.textContent('#goal-reach'), 'Reached by 2 page views in the last 30 days.');
  await goal.fill('/contact/thnks');
  await page.waitForSelector('#goal-reach[data-count="0"]');
  assert.match(await page.textContent('#goal-reach'), /^No page view in the last 30 days reached \/contact\/thnks: check it/);
  await goal.fill('/contact/thanks');
  await page.waitForSelector('#goal-reach[data-count="2"]');
  await page.getByRole('tab', { name: 'JSON' }).click();
  assert.equal(JSON.parse(await page.inputValue('#json')).scenarios[0].goal, '/contact/thanks');
  await page.getByRole('tab', { name: 'Edit' }).click();
  // An event the site never sent is said to convert nobody.
  await goal.fill('newsletter_signup');
  await page.waitForSelector('#goal-reach[data-count="0"]');
  assert.match(await page.textContent('#goal-reach'), /^No newsletter_signup event in the last 30 days: check that the site sends it/);
  await goal.fill('sign_up');
  await page.waitForSelector('[data-path="$.scenarios[0].goal"]:not([aria-invalid])');
  await page.getByRole('tab', { name: 'JSON' }).click();
  assert.equal(JSON.parse(await page.inputValue('#json')).scenarios[0].goal, 'sign_up');
  await context.close();
});

test('the simulated shopper runs the config being edited, not the playground\'s example', async () => {
  const { context, page } = await signedIn();
  // The playground's wasm is slow to arrive: its page has loaded long before its module script
  // (top-level await) sets up its own example.
  await context.route('**/playground/shopcue_tools.wasm', async (route) => {
    await new Promise((ok) => setTimeout(ok, 1500));
    await route.continue();
  });
  const studio = JSON.parse(await page.evaluate(() => document.getElementById('json').value));
  await page.getByRole('tab', { name: 'Simulated shopper' }).click();
  const frame = page.frameLocator('#playground');
  await frame.locator('#messages').waitFor();
  await page.waitForTimeout(2500);
  const shown = JSON.parse(await frame.locator('#config').inputValue());
  assert.deepEqual(shown, studio);
  // And what it simulates is that config: the scenarios in its table are the studio's.
  const ids = await frame.locator('#scenarios tr[data-scenario]').evaluateAll((rows) => [...new Set(rows.map((r) => r.dataset.scenario))]);
  assert.deepEqual(ids.sort(), studio.scenarios.map((s) => s.id || s.preset).sort());
  await context.close();
});

test('a click pressed on a row\'s button as the check answers is not lost', async () => {
  const { context, page } = await signedIn();
  // The check that follows every change (here the load) is held until the mouse is down on Edit.
  let release, asked;
  const held = new Promise((ok) => { release = ok; });
  const checking = new Promise((ok) => { asked = ok; });
  await page.route('**/config/check', async (route) => { asked(); await held; await route.continue(); });
  await page.reload();
  await page.waitForSelector('body[data-loaded="true"]');
  await checking;
  const box = await page.locator('tr[data-scenario="page_low_stock"] button.edit').boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  const answered = page.waitForResponse('**/config/check');
  release();
  await answered;
  await page.waitForTimeout(200);
  await page.mouse.up();
  // The list drawn again as the check answered had put a new button under the mouse: the click
  // went to the row, and the form stayed closed.
  await page.locator('#form fieldset').first().waitFor({ timeout: 5000 });
  assert.equal(await page.getAttribute('tr[data-scenario="page_low_stock"]', 'class'), 'selected');
  await context.close();
});

test('on a phone the studio fits the screen: its tables scroll, its tabs wrap, its fields shrink', async () => {
  const { context, page } = await signedIn();
  await page.setViewportSize({ width: 390, height: 844 });
  // What sticks out past the screen's edge, outside the scrolling tables (the page once scrolled
  // sideways by 200 px: a one-column grid as wide as the scenario table, 60-character fields).
  const past = () => page.evaluate(() => ({
    overflow: document.documentElement.scrollWidth - innerWidth,
    elements: [...document.querySelectorAll('body *')].filter((e) => !e.closest('.scroll') && e.getClientRects().length
      && e.getBoundingClientRect().right > innerWidth + 1).map((e) => e.tagName + (e.id ? '#' + e.id : '')).slice(0, 5),
  }));
  const none = { overflow: 0, elements: [] };
  assert.equal(await page.textContent('#dirty'), 'No unpublished changes.');
  assert.deepEqual(await past(), none, 'the scenario list');
  await page.locator('#scenarios tr[data-scenario="page_low_stock"]').getByRole('button', { name: 'Edit' }).click();
  await page.locator('#form fieldset').first().waitFor();
  assert.deepEqual(await past(), none, 'the scenario form');
  for (const tab of ['Gallery', 'JSON', 'Versions']) {
    await page.getByRole('tab', { name: tab }).click();
    await page.waitForTimeout(300);
    assert.deepEqual(await past(), none, tab);
  }
  // A site with nothing published and nothing added has nothing to publish (it once said
  // "Unpublished changes").
  await page.goto(`${collector.url}/studio?site=brand-new`);
  await page.waitForSelector('body[data-loaded="true"]');
  // Enter in the site field loads the site typed, as the button does.
  await page.fill('#site', 'demo-store');
  await page.press('#site', 'Enter');
  await page.getByText('Loaded demo-store.').waitFor();
  await page.fill('#site', 'brand-new');
  await page.press('#site', 'Enter');
  await page.getByText('Loaded brand-new.').waitFor();
  assert.equal(await page.textContent('#dirty'), 'Nothing to publish yet: add a scenario from the gallery.');
  assert.ok(await page.getByRole('button', { name: 'Publish' }).isDisabled());
  // Without a site in the address, the first site with a published config opens, and every site
  // the collector knows is offered in the site field.
  const sites = await (await page.request.get(`${collector.url}/api/sites`)).json();
  await page.goto(`${collector.url}/studio`);
  await page.waitForSelector('body[data-loaded="true"]');
  const first = sites.find((s) => s.live_version).site;
  assert.equal(await page.inputValue('#site'), first);
  assert.equal(await page.textContent('#live-version'), `Live: version ${sites.find((s) => s.live_version).live_version}`);
  assert.deepEqual(await page.$$eval('#known-sites option', (os) => os.map((o) => o.value)), sites.map((s) => s.site));
  assert.equal(new URL(page.url()).search, `?site=${first}`, 'a reload opens the same site');
  assert.equal(await page.getAttribute('#to-dashboard', 'href'), `/dashboard?site=${first}`);
  await context.close();
});

test('unpublished changes survive a reload, and a publish made meanwhile is not undone by them', async () => {
  const { context, page } = await signedIn();
  const pause = page.getByRole('button', { name: /^(Pause|Resume) cart_low_stock$/ });
  const before = await pause.textContent();
  await pause.click();
  await eventually(async () => !(await page.getByRole('button', { name: 'Publish' }).isDisabled()), 5000, 'a draft to publish');
  const mine = await page.inputValue('#json');

  // A reload (or a sign-in that expired) keeps them: restored, still to publish.
  await page.reload();
  await page.waitForSelector('body[data-loaded="true"]');
  assert.match(await page.textContent('#status'), /^Restored your unpublished changes to demo-store from .+, made to version \d+\. Publish them, or discard them\.$/);
  assert.equal(await page.inputValue('#json'), mine);
  assert.ok(!(await page.getByRole('button', { name: 'Publish' }).isDisabled()));
  assert.notEqual(await page.getByRole('button', { name: /^(Pause|Resume) cart_low_stock$/ }).textContent(), before);

  // A colleague publishes meanwhile: the restored changes were made to the version before, so
  // publishing them is refused with the version that is live now, not a silent undo.
  // (Through the API with the admin token: the sign-in page allows only 5 tries a minute.)
  const auth = { Authorization: `Bearer ${TOKEN}` };
  const live = await (await fetch(`${collector.url}/api/sites/demo-store/config`, { headers: auth })).json();
  live.config.scenarios.find((x) => (x.id || x.preset) === 'page_low_stock').priority = 81;
  const put = await fetch(`${collector.url}/api/sites/demo-store/config?author=colleague`, { method: 'PUT', headers: auth, body: JSON.stringify(live.config) });
  assert.equal(put.status, 201, await put.clone().text());
  const { version } = await put.json();
  await page.reload();
  await page.waitForSelector('body[data-loaded="true"]');
  assert.match(await page.textContent('#status'), new RegExp(`\\(version ${version} is live now: publishing will ask you to compare first\\)`));
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByText(`Not published: version ${version} is live now (by colleague)`, { exact: false }).waitFor();

  // Discarded, they are gone for good; "Load live config" starts from the live version too.
  await page.getByRole('button', { name: 'Discard changes' }).click();
  await page.reload();
  await page.waitForSelector('body[data-loaded="true"]');
  assert.equal(await page.textContent('#status'), 'Loaded demo-store.');
  assert.ok(await page.getByRole('button', { name: 'Publish' }).isDisabled());

  // Signed out while editing (the session cookie gone): the page says so, with the way back to
  // this site; the change made meanwhile is kept, and the studio sends the browser to sign in.
  assert.ok(await page.locator('#signin').isHidden());
  await context.clearCookies();
  await page.getByRole('button', { name: /^(Pause|Resume) cart_low_stock$/ }).click();
  await page.locator('#signin').waitFor();
  assert.equal(await page.getAttribute('#signin-link', 'href'), '/login?next=%2Fstudio%3Fsite%3Ddemo-store');
  await page.reload();
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.ok(await page.evaluate(() => localStorage.getItem('shopcue-studio:demo-store')), 'the change is kept');
  await context.close();
});

test('two marketers on the same version: the second publish is refused, not silently undoing the first', async () => {
  const a = await signedIn(), b = await signedIn();
  await a.page.getByRole('button', { name: /^(Pause|Resume) page_low_stock$/ }).click();
  await a.page.getByRole('button', { name: 'Publish' }).click();
  const published = await a.page.getByText(/Published version \d+/).textContent();
  const version = Number(/Published version (\d+)/.exec(published)[1]);

  await b.page.getByRole('button', { name: /^(Pause|Resume) cart_low_stock$/ }).click();
  await b.page.getByRole('button', { name: 'Publish' }).click();
  await b.page.getByText(`Not published: version ${version} is live now (by studio)`, { exact: false }).waitFor();
  const live = await b.page.evaluate(() => fetch('/api/sites/demo-store/config').then((r) => r.json()));
  assert.equal(live.version, version, 'the first publish stays live');
  // A rollback from the page that has not seen it is refused the same way (asked first, since it
  // would discard the unpublished change; refused, the change stays).
  await b.page.getByRole('tab', { name: 'Versions' }).click();
  b.page.once('dialog', (d) => d.accept());
  await b.page.locator('#versions button.rollback').last().click();
  await b.page.getByText(`Not rolled back: version ${version} is live now (by studio)`, { exact: false }).waitFor();
  assert.ok(!(await b.page.getByRole('button', { name: 'Publish' }).isDisabled()), 'the refused rollback kept the change');
  // Loaded again (the page asks first: the unpublished change would go; dismissed, nothing
  // happens), the second marketer's change goes out on top of the first.
  const asked = [];
  b.page.once('dialog', (d) => { asked.push(d.message()); d.dismiss(); });
  await b.page.getByRole('button', { name: 'Load live config' }).click();
  await eventually(() => asked.length === 1, 5000, 'the question');
  assert.equal(asked[0], 'Discard your unpublished changes to demo-store and load its live config?');
  assert.ok(!(await b.page.getByRole('button', { name: 'Publish' }).isDisabled()), 'the change is still there');
  b.page.once('dialog', (d) => d.accept());
  await b.page.getByRole('button', { name: 'Load live config' }).click();
  await b.page.getByText('Loaded demo-store.').waitFor();
  await b.page.getByRole('button', { name: /^(Pause|Resume) cart_low_stock$/ }).click();
  await b.page.getByRole('button', { name: 'Publish' }).click();
  await b.page.getByText(`Published version ${version + 1}`).waitFor();
  await a.context.close();
  await b.context.close();
});

test('a split test\'s variants show how each did against the baseline, and one is rolled out for everyone', async () => {
  // A headline split test published through the API, and its first day: 50 of 200 who saw "old"
  // bought, 110 of 200 who saw "new", 20 of 100 held out.
  const auth = { Authorization: `Bearer ${TOKEN}` };
  const config = { version: 1, site: 'ab-shop', holdout: 0.2, scenarios: [{ id: 'headline', trigger: { on: 'page_view' },
    message: { title: 'Old headline', body: 'Free returns' },
    variants: [{ id: 'old', weight: 50 }, { id: 'new', weight: 50, message: { title: 'New headline' } }] }] };
  const put = await fetch(`${collector.url}/api/sites/ab-shop/config`, { method: 'PUT', headers: auth, body: JSON.stringify(config) });
  assert.equal(put.status, 201, await put.clone().text());
  // Exposed since it was published (today, UTC): the dashboard's verdict reads the test from then.
  const now = Date.now(), today = Math.floor(now / 864e5) * 864e5, at = Math.max(now - 60_000, today), events = [];
  for (const [variant, exposed, bought] of [['old', 200, 50], ['new', 200, 110], ['holdout', 100, 20]]) {
    for (let i = 0; i < exposed; i++) {
      const visitor = `ab-${variant}-${i}`;
      const e = (name, ts, params) => ({ id: `${visitor}-${name}`, name, ts, visitor_id: visitor, session_id: visitor, url: '/', params });
      events.push(e('shopcue_exposure', at, { scenario_id: 'headline', variant }));
      if (i < bought) events.push(e('purchase', at + 1, { value: 5000 }));
    }
  }
  assert.equal((await fetch(`${collector.url}/collect`, { method: 'POST', body: JSON.stringify({ site: 'ab-shop', events }) })).status, 200);

  const { context, page } = await signedIn();
  // The dashboard says which variant wins, and where to roll it out.
  await page.goto(`${collector.url}/dashboard?site=ab-shop`);
  await page.waitForSelector('body[data-loaded="true"]');
  assert.equal(await page.textContent('#verdicts p[data-scenario="headline"]'), `headline: new wins since the test began on ${new Date(today).toISOString().slice(0, 10)} (old 25.00% of 200 visitors, ` +
    'new 55.00% of 200): +30.00 pts vs old ' +
    '(95%: +14.29 … +45.71). The test can stop now: this holds however often the dashboard was read. Roll it out in the studio.');
  await page.click('#verdicts a');
  await page.waitForURL(`${collector.url}/studio?site=ab-shop`);
  await page.waitForSelector('body[data-loaded="true"]');
  // The list says which scenario is a split test, with its variants.
  assert.equal(await page.locator('tr[data-scenario="headline"] .split').textContent(), 'split test: old · new');
  await page.locator('tr[data-scenario="headline"]').getByRole('button', { name: 'Edit' }).click();
  const result = (v) => page.locator(`.variant-result[data-variant="${v}"]`);
  await result('new').waitFor();
  assert.equal(await result('new').textContent(),
    'Last 7 days: 200 exposed, CVR 55.00%: +30.00 pts vs old (95%: +14.29 … +45.71), 100% chance to be best: the winner');
  assert.equal(await result('old').textContent(), 'Last 7 days: 200 exposed, CVR 25.00%: the baseline, 0% chance to be best');
  // And under them, what the whole test says (here the same days: it began today).
  assert.equal(await page.locator('.variant-verdict[data-scenario="headline"]').textContent(),
    `The whole test, since ${new Date(today).toISOString().slice(0, 10)} (old 25.00% of 200 visitors, new 55.00% of 200): new wins.`);
  // Each variant's message is previewed beside the others: its own title, the body it leaves.
  const preview = (v) => page.locator(`[data-preview="variant-${v}"] .msg`).textContent();
  assert.deepEqual([await preview('old'), await preview('new')], ['Old headlineFree returns', 'New headlineFree returns']);
  // "new" won: rolled out, its title is the scenario's (the body it did not change kept), and
  // the split test is over once published.
  await page.getByRole('button', { name: /^Roll out variant new/ }).click();
  assert.equal(await page.locator('.variant-result').count(), 0, 'no variant rows left');
  assert.equal(await page.locator('[data-preview^="variant-"]').count(), 0, 'no variant previews left');
  assert.equal(await page.locator('tr[data-scenario="headline"] .split').count(), 0, 'no longer a split test in the list');
  await page.getByRole('tab', { name: 'JSON' }).click();
  const edited = JSON.parse(await page.inputValue('#json')).scenarios[0];
  assert.deepEqual([edited.message, edited.variants], [{ title: 'New headline', body: 'Free returns' }, undefined]);
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByText(/Published version 2/).waitFor();
  const live = await (await fetch(`${collector.url}/api/sites/ab-shop/config`, { headers: auth })).json();
  assert.deepEqual([live.config.scenarios[0].message.title, live.config.scenarios[0].variants], ['New headline', undefined]);
  await context.close();
});

test('a split test is judged over its whole run, and a shorter period offers that run', async () => {
  // A test published 20 days ago (its version dated so in the database, as `simulate` dates
  // the demo's), with 300 visitors a variant exposed 15 days ago and 50 today: a 10 then 10 %,
  // b 30 then 30 %. b's buyers spend ¥100; a's ¥20,000 then, and ¥100 today.
  const auth = { Authorization: `Bearer ${TOKEN}` };
  const config = { version: 1, site: 'run-shop', scenarios: [{ id: 'hero', trigger: { on: 'page_view' }, message: { title: 'Hero' },
    variants: [{ id: 'a', weight: 50 }, { id: 'b', weight: 50, message: { title: 'Hero b' } }] }] };
  const put = await fetch(`${collector.url}/api/sites/run-shop/config`, { method: 'PUT', headers: auth, body: JSON.stringify(config) });
  assert.equal(put.status, 201, await put.clone().text());
  const now = Date.now(), day = 864e5, began = Math.floor((now - 20 * day) / day) * day;
  execFileSync('sqlite3', ['-cmd', '.timeout 10000', collector.db, `UPDATE config_versions SET created_at = ${now - 20 * day} WHERE site = 'run-shop'`]);
  const events = [];
  for (const [when, n] of [[now - 15 * day, 300], [now - 60_000, 50]]) {
    for (const [variant, rate] of [['a', 0.1], ['b', 0.3]]) {
      for (let i = 0; i < n; i++) {
        const visitor = `run-${variant}-${when}-${i}`;
        const e = (name, ts, params) => ({ id: `${visitor}-${name}`, name, ts, visitor_id: visitor, session_id: visitor, url: '/', params });
        events.push(e('shopcue_exposure', when, { scenario_id: 'hero', variant }));
        if (i < n * rate) events.push(e('purchase', when + 1, { value: variant === 'a' && n === 300 ? 20000 : 100 }));
      }
    }
  }
  assert.equal((await fetch(`${collector.url}/collect`, { method: 'POST', body: JSON.stringify({ site: 'run-shop', events }) })).status, 200);

  // The last 7 days hold today's 50 a variant; the sentence reads all 350, since the day the
  // test began, says that the table is of other days, and offers the run. It adds that b's
  // visitors spend less over the run (¥30 against ¥1,716), which today's alone do not.
  const { context, page } = await signedIn();
  const day7 = new Date(now - 6 * day).toISOString().slice(0, 10), today = new Date(now).toISOString().slice(0, 10);
  await page.goto(`${collector.url}/dashboard?site=run-shop&from=${day7}&to=${today}`);
  await page.waitForSelector('body[data-loaded="true"]');
  const exposed = () => page.$$eval('#table tr[data-scenario="hero"]', (trs) => trs.map((tr) => [tr.children[1].textContent, tr.children[2].textContent]));
  assert.deepEqual(await exposed(), [['a', '50'], ['b', '50']]);
  const sentence = page.locator('#verdicts p[data-scenario="hero"]');
  const beganDay = new Date(began).toISOString().slice(0, 10);
  assert.match(await sentence.textContent(), new RegExp(`^hero: b wins since the test began on ${beganDay} \\(a 10\\.00% of 350 visitors, b 30\\.00% of 350\\): ` +
    `\\+20\\.00 pts vs a .* But b's visitors spend less since the test began on ${beganDay}: 30 a visitor against 1,716 for a \\(95%: −[\\d,]+ … −[\\d,]+\\); ` +
    `weigh that before rolling it out\\. The table below covers ${day7} to ${today} only: show the whole test\\.$`));
  await sentence.getByRole('link', { name: 'show the whole test' }).click();
  await page.waitForURL(new RegExp(`from=${beganDay}&to=${today}`));
  await eventually(async () => JSON.stringify(await exposed()) === JSON.stringify([['a', '350'], ['b', '350']]), 5000, 'the run\'s figures in the table');
  assert.doesNotMatch(await sentence.textContent(), /The table below/);
  // The studio's variant lines are the last 7 days'; under them, the whole test's.
  await page.goto(`${collector.url}/studio?site=run-shop`);
  await page.waitForSelector('body[data-loaded="true"]');
  await page.locator('tr[data-scenario="hero"]').getByRole('button', { name: 'Edit' }).click();
  const result = page.locator('.variant-result[data-variant="a"]');
  await result.waitFor();
  assert.match(await result.textContent(), /^Last 7 days: 50 exposed, CVR 10\.00%: the baseline/);
  assert.equal(await page.locator('.variant-verdict[data-scenario="hero"]').textContent(),
    `The whole test, since ${beganDay} (a 10.00% of 350 visitors, b 30.00% of 350): b wins. But b's visitors spend less: ¥30 a visitor against ¥1,716 for a.`);
  // Rolling out the variant the test puts behind asks first; dismissed, the test stays.
  const asked = [];
  page.once('dialog', (d) => { asked.push(d.message()); d.dismiss(); });
  await page.getByRole('button', { name: /^Roll out variant a/ }).click();
  await eventually(() => asked.length === 1, 5000, 'the question');
  assert.equal(asked[0], `Since ${beganDay}, b wins this test. Roll out a anyway?`);
  assert.equal(await page.locator('.variant-result').count(), 2, 'both variants still there');
  // So does rolling out the winner whose visitors spend less.
  page.once('dialog', (d) => { asked.push(d.message()); d.dismiss(); });
  await page.getByRole('button', { name: /^Roll out variant b/ }).click();
  await eventually(() => asked.length === 2, 5000, 'the second question');
  assert.equal(asked[1], `Since ${beganDay}, b's visitors spend less: ¥30 a visitor against ¥1,716 for a. Roll out b anyway?`);
  assert.equal(await page.locator('.variant-result').count(), 2, 'both variants still there');
  await context.close();
});

test('a campaign that is over is published with a note that it will not show again', async () => {
  const { context, page } = await signedIn();
  await page.getByRole('tab', { name: 'JSON' }).click();
  const config = JSON.parse(await page.inputValue('#json'));
  const at = config.scenarios.length;
  config.scenarios.push({ id: 'winter', schedule: { until: '2020-02-29' }, message: { placement: 'toast', title: 'Winter sale' } });
  await page.fill('#json', JSON.stringify(config, null, 2));
  await page.click('#json-apply');
  // Said while editing, as a note, not a problem.
  const note = `Note: $.scenarios[${at}].schedule.until: has passed: the scenario will not show again (pause it, or give it a later date)`;
  await eventually(async () => (await page.$$eval('#notes li', (ls) => ls.map((l) => l.textContent))).join() === note, 5000, 'the note');
  assert.equal(await page.locator('#problems li').count(), 0);
  await page.getByRole('button', { name: 'Publish' }).click();
  const said = await page.getByText(/Published version \d+/).textContent();
  assert.match(said, new RegExp(`Note: \\$\\.scenarios\\[${at}\\]\\.schedule\\.until has passed: the scenario will not show again \\(pause it, or give it a later date\\)\\.$`));
  await context.close();
});
