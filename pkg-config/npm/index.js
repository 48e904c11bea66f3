// Shopcue for bundlers: `import { Shopcue } from 'shopcue'`. The same operations as the
// script tag, as methods of the page's one instance; a rejected call throws an Error with a
// stable `code` and every `problems[]` entry with its JSON path (types in index.d.ts).
import init, { command as run, use_compiler, use_renderer, use_intl } from './shopcue_wasm.js';
import { shopcueCompiler } from './compiler.js';
import { shopcueValues } from './values.js';
import { shopcueRender } from './render.js';
import { shopcueIntl } from './intl.js';
import { shopcueMoments } from './moments.js';

let loading = null;

/** What init reads: InitOptions in index.d.ts (tests/js checks that they agree). */
const INIT_OPTIONS = ['site', 'config', 'endpoint', 'consent', 'debug', 'render', 'locale', 'currency'];

/** What a developer can do when the wasm is not where the module expects it. */
const WHERE = "If a dev server pre-bundles dependencies (Vite: add optimizeDeps: { exclude: ['shopcue'] } to "
  + 'vite.config), this module no longer sits beside its .wasm; or pass the .wasm\'s URL as '
  + "Shopcue.load's second argument";

/**
 * Where a file shipped beside this module really is, given where this module expects it
 * (`url`). Vite's dev server runs this module from a copy it pre-bundles into
 * `node_modules/.vite/deps/` and leaves the package's `.wasm` files behind (vitejs/vite#8427):
 * they are still in `node_modules/shopcue/`, which the dev server serves. Anywhere else `url`
 * stands: a bundler's build has rewritten it to the asset it copied, and a plain server serves
 * the file beside this module. (`url` is the base, not `import.meta.url`: webpack would try to
 * bundle a `new URL(…, import.meta.url)` it cannot resolve.)
 */
function beside(url) {
  const path = url.pathname.replace(/\/node_modules\/\.vite\/deps[^/]*\/(?=[^/]*$)/, '/node_modules/shopcue/');
  return path === url.pathname ? url : new URL(path, url);
}

/** A load failure as the package's other errors are: an `Error` with a stable `code`. */
function loadFailed(message) {
  return Object.assign(new Error('[shopcue] ' + message), { code: 'SHOPCUE_LOAD_FAILED', problems: [] });
}

/**
 * The widget's wasm from a URL, checked before it is compiled: a dev server that answers a
 * missing file with its index.html would otherwise fail as "expected magic word 00 61 73 6d".
 * A response served as `application/wasm` is handed on as it is, to compile while it downloads.
 */
async function fetchWasm(url) {
  const response = await fetch(url).catch((e) => {
    throw loadFailed(`the widget's wasm could not be fetched from ${url} (${e.message}). ${WHERE}.`);
  });
  if (!response.ok) throw loadFailed(`${url} answered HTTP ${response.status} instead of the widget's wasm. ${WHERE}.`);
  const type = response.headers.get('content-type') || 'no content type';
  if (type.startsWith('application/wasm')) return response;
  const bytes = await response.arrayBuffer();
  const magic = new Uint8Array(bytes.slice(0, 4));
  if (magic.length === 4 && magic.every((b, i) => b === [0, 0x61, 0x73, 0x6d][i])) return bytes;
  throw loadFailed(`${url} answered ${type}, not the widget's wasm. ${WHERE}.`);
}

/**
 * Resolves once the page is shown: at once, or, for a page the browser prerenders (speculation
 * rules, the address bar's guess) and may never show, when the shopper opens it — nothing is
 * counted for a page nobody saw.
 */
const shown = () => new Promise((resolve) => {
  if (document.prerendering) document.addEventListener('prerenderingchange', () => resolve(), { once: true });
  else resolve();
});

/** One `shopcue(name, ...args)` command; the widget reads `args` as JSON text (values.js). */
const command = (name, args) => run(name, args, shopcueValues(args));

export class Shopcue {
  /**
   * Loads the wasm once (from next to this module unless `wasm` says otherwise) and
   * initializes; later calls resolve to the same instance.
   */
  static load(options, wasm) {
    if (typeof window === 'undefined' || typeof document === 'undefined') {
      return Promise.reject(loadFailed('Shopcue.load needs a browser page (window and document): call it from '
        + 'client-side code, such as a useEffect or an onMount, not during server-side rendering or in a worker.'));
    }
    if (!loading) {
      const source = wasm ?? beside(new URL('./shopcue_wasm_bg.wasm', import.meta.url));
      const module = typeof source === 'string' || source instanceof URL ? fetchWasm(String(source)) : source;
      loading = Promise.resolve(module).then((m) => init({ module_or_path: m }).catch((e) => {
        throw loadFailed(`the widget's wasm could not start (${e && e.message ? e.message : e}). If the page has a `
          + "Content-Security-Policy, allow 'wasm-unsafe-eval' in script-src.");
      })).then(() => shown()).then(() => {
        const shopcue = new Shopcue();
        use_renderer(shopcueRender);
        use_intl(shopcueIntl.offset, shopcueIntl.format, shopcueIntl.device, shopcueIntl.traffic);
        // Only a raw config (not compiled where it was published) fetches the compiler module.
        const compiler = beside(new URL('./shopcue_compile.wasm', import.meta.url));
        use_compiler(shopcueCompiler(String(compiler), (url) => fetch(url)));
        // An option init does not read is most likely misspelt ("endpont" would send nothing).
        const odd = options && typeof options === 'object' ? Object.keys(options).filter((k) => !INIT_OPTIONS.includes(k)) : [];
        if (odd.length) console.warn(`[shopcue] init ignored unknown options: ${odd.join(', ')}`);
        command('init', [options]);
        // Exit intent and scroll depth, as the script tag reports them (nothing is sent for them).
        shopcueMoments((name) => command('capture', ['moment', name]), () => location.href.split('#')[0]);
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
