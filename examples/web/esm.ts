// With a bundler (Vite, webpack, esbuild …): `npm install shopcue`, then:
import { Shopcue } from 'shopcue';

export async function startShopcue(router: { onNavigate(f: (path: string) => void): void }): Promise<Shopcue> {
  const shopcue = await Shopcue.load({ site: 'my-store', config: '/shopcue/config.json', endpoint: '/collect' });
  // The package does not patch the History API: tell it about route changes.
  router.onNavigate(() => shopcue.page());
  shopcue.on('error', (e) => console.warn(e.code, e.problems));
  return shopcue;
}

export function productViewed(shopcue: Shopcue, product: { id: string; name: string; price: number; stock: number }): void {
  try {
    shopcue.track('view_item', { items: [{ item_id: product.id, item_name: product.name, price: product.price, stock: product.stock }] });
  } catch (e) {
    // The npm API throws coded errors (the script tag logs them instead).
    console.warn(e);
  }
}
