// Shopcue for bundlers: `import { Shopcue } from 'shopcue'`. The same operations as the
// script tag, as methods of the page's one instance; a rejected call throws an Error with a
// stable `code` and every `problems[]` entry with its JSON path (types in index.d.ts).
import init, { command as run, use_compiler, use_renderer, use_intl } from './shopcue_wasm.js';
import { shopcueCompiler } from './compiler.js';
import { shopcueValues } from './values.js';
import { shopcueRender } from './render.js';
import { shopcueIntl } from './intl.js';

let loading = null;

/** One `shopcue(name, ...args)` command; the widget reads `args` as JSON text (values.js). */
const command = (name, args) => run(name, args, shopcueValues(args));

export class Shopcue {
  /**
   * Loads the wasm once (from next to this module unless `wasm` says otherwise) and
   * initializes; later calls resolve to the same instance.
   */
  static load(options, wasm) {
    if (!loading) {
      loading = init({ module_or_path: wasm ?? new URL('./shopcue_wasm_bg.wasm', import.meta.url) }).then(() => {
        const shopcue = new Shopcue();
        use_renderer(shopcueRender);
        use_intl(shopcueIntl.offset, shopcueIntl.format);
        // Only a raw config (not compiled where it was published) fetches the compiler module.
        use_compiler(shopcueCompiler(new URL('./shopcue_compile.wasm', import.meta.url).toString(), (url) => fetch(url)));
        command('init', [options]);
        return shopcue;
      });
      loading.catch(() => { loading = null; }); // a failed load may be retried
    }
    return loading;
  }

  track(name, params) { command('track', [name, params]); }
  catalog(items) { command('catalog', [items]); }
  identify(traits) { command('identify', [traits]); }
  consent(consent) { command('consent', [consent]); }
  page() { command('page', []); }
  on(kind, listener) { command('on', [kind, listener]); }
  explain() { return command('explain', []); }
  locate() { command('locate', []); }
  choose(messageId, storeId) { return command('choose', [messageId, storeId]); }
  impression(messageId) { command('impression', [messageId]); }
  click(messageId) { command('click', [messageId]); }
  dismiss(messageId) { command('dismiss', [messageId]); }
}
