// Type-checked by `tsc --noEmit` in CI (scripts/ci/npm.sh): every method of the npm API, with
// the types generated from the Rust core. Lines marked @ts-expect-error must stay errors.
import { Shopcue, type Config, type Message, type ShopcueError, type Explain } from 'shopcue';

const config: Config = {
  version: 1,
  site: 'demo-store',
  locale: 'ja-JP',
  links: { cart: '/cart' },
  capture: { datalayer: false },
  theme: { accent: '#0f766e', radius: '4px' },
  labels: { close: { ja: '閉じる', de: 'Schließen' } },
  scenarios: [
    { preset: 'page_low_stock' },
    { preset: 'cart_low_stock', priority: 90 },
    { id: 'newsletter', goal: 'sign_up', message: { title: 'Join our newsletter' } },
  ],
};

export async function main(): Promise<string> {
  const shopcue = await Shopcue.load({ site: 'demo-store', config, endpoint: '/collect', consent: 'required' });
  shopcue.consent({ analytics: true, personalization: true });
  shopcue.track('view_item', { items: [{ item_id: 'linen-shirt', item_name: 'リネンシャツ', price: '¥5,990', stock: 2 }] });
  shopcue.track('my_custom_event', { source: 'example' });
  shopcue.track('coupon', { coupon_id: 'WELCOME', amount: 500, expires_at: '2026-12-31' });
  shopcue.track('points', { balance: '1,200', expiring: 300 });
  shopcue.track('favorite_store', { store_id: 'shibuya' });
  shopcue.catalog([{ item_id: 'linen-shirt', stock: 1, stores: { shibuya: 3 } }]);
  shopcue.identify({ member: true, birthday: '04-01', segments: ['vip'] });
  shopcue.page();
  shopcue.locate();
  shopcue.on('message', (m: Message) => console.log(m.title, m.placement));
  shopcue.on('dismiss', (id: string) => console.log(id));
  shopcue.on('error', (e: ShopcueError) => console.log(e.code, e.problems.map((p) => p.path)));
  const why: Explain = shopcue.explain();
  shopcue.on('message', (m) => {
    // "Choose your store": the site's own picker hands the choice back.
    const store = m.stores?.[0];
    if (store) console.log(shopcue.choose(m.id, store.id).title);
    shopcue.impression(m.id);
    shopcue.click(m.id);
    shopcue.dismiss(m.id);
  });
  // @ts-expect-error: not a preset
  const bad: Config = { version: 1, site: 's', scenarios: [{ preset: 'page_low_stok' }] };
  // @ts-expect-error: a goal is an event name
  const badGoal: Config = { version: 1, site: 's', scenarios: [{ id: 'n', goal: true }] };
  // @ts-expect-error: items must be objects with item_id
  shopcue.track('view_item', { items: ['linen-shirt'] });
  // @ts-expect-error: a coupon is named by coupon_id
  shopcue.track('coupon', { amount: 500 });
  // @ts-expect-error: no such listener
  shopcue.on('hover', () => {});
  return why.scenarios.map((s) => `${s.scenario_id}:${s.reason}`).join(',') + String(bad) + String(badGoal);
}
