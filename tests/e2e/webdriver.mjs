// The browser engines other than Chromium, driven through W3C WebDriver (plain HTTP, no client
// library): WebKit — Safari's engine — as WebKitGTK's MiniBrowser under WebKitWebDriver (Debian's
// webkit2gtk-driver) in a virtual X display (Xvfb), and Gecko as Firefox ESR under geckodriver.
// scripts/ci/setup.sh installs them all.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { writeFileSync, mkdtempSync, rmSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markedEnv } from './harness.mjs';

/** WebDriver's codes for the keys the tests press. */
export const KEY = { tab: '\uE004', escape: '\uE00C', shift: '\uE008' };

/** The engines, each with how to start its driver and the capabilities of a session. */
export const ENGINES = {
  webkit: {
    name: 'WebKit (WebKitGTK MiniBrowser)',
    display: true,
    driver: (port) => ['WebKitWebDriver', [`--port=${port}`]],
    capabilities: () => ({
      'webkitgtk:browserOptions': { binary: miniBrowser(), args: ['--automation'] },
    }),
  },
  gecko: {
    name: 'Gecko (Firefox ESR)',
    display: false,
    driver: (port) => ['geckodriver', [`--port=${port}`, '--log', 'fatal']],
    capabilities: (prefs = {}) => ({
      'moz:firefoxOptions': { binary: '/usr/bin/firefox-esr', args: ['-headless'], prefs: { 'intl.accept_languages': 'ja-JP', ...prefs } },
    }),
  },
};

/** WebKitGTK's MiniBrowser, under the architecture's library folder (Debian's libwebkit2gtk). */
function miniBrowser() {
  for (const arch of readdirSync('/usr/lib')) {
    for (const api of ['webkit2gtk-4.1', 'webkit2gtk-4.0']) {
      const bin = join('/usr/lib', arch, api, 'MiniBrowser');
      if (existsSync(bin)) return bin;
    }
  }
  throw new Error('no MiniBrowser under /usr/lib/*/webkit2gtk-4.*: scripts/ci/setup.sh installs webkit2gtk-driver');
}

const freePort = () => new Promise((ok, fail) => {
  const server = createServer().once('error', fail).listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => ok(port));
  });
});

/** A virtual X display for engines that need one: resolves to its name (`:N`) and the process. */
async function startDisplay() {
  const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x900x24', '-nolisten', 'tcp'],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe'], env: markedEnv() });
  const display = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('Xvfb did not start in 10 s')), 10_000);
    child.once('exit', (code) => fail(new Error(`Xvfb exited with ${code}`)));
    child.stdio[3].on('data', (d) => { clearTimeout(timer); ok(`:${String(d).trim()}`); });
  });
  return { display, child };
}

/**
 * Starts `engine`'s driver (and display). `session()` opens a browser with fresh storage;
 * `stop()` ends everything.
 */
export async function startEngine(engine) {
  const spec = ENGINES[engine];
  const x = spec.display ? await startDisplay() : null;
  const port = await freePort();
  const [bin, args] = spec.driver(port);
  const home = mkdtempSync(join(tmpdir(), `shopcue-${engine}-`));
  const env = { ...markedEnv(), HOME: home, ...(x ? { DISPLAY: x.display } : {}) };
  // What the driver and its browser print (Firefox's "running in headless mode" …) is kept for
  // an error, not printed among the tests' results.
  const driver = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let printed = '';
  const keep = (chunk) => { printed = (printed + chunk).slice(-4000); };
  driver.stdout.on('data', keep);
  driver.stderr.on('data', keep);
  const base = `http://127.0.0.1:${port}`;
  const until = Date.now() + 15_000;
  for (;;) {
    try { if ((await fetch(`${base}/status`)).ok) break; } catch { /* not listening yet */ }
    if (Date.now() > until) throw new Error(`${bin} did not answer in 15 s: ${printed}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name: spec.name,
    /** `prefs`: Firefox's preferences for this browser (Gecko only). */
    async session(prefs) {
      const capabilities = { alwaysMatch: { ...spec.capabilities(prefs), pageLoadStrategy: 'normal' } };
      // WebKitWebDriver now and then never answers a new session (its MiniBrowser found no
      // display: "cannot open display"), which held a test for fetch's 300 s: a session that
      // has not started in 60 s is asked for again, up to three times.
      for (let attempt = 1; ; attempt++) {
        try {
          const value = await call(base, 'POST', '/session', { capabilities }, AbortSignal.timeout(60_000));
          return new Session(base, value.sessionId, value.capabilities);
        } catch (e) {
          if (attempt === 3) throw new Error(`${e.message} (3 attempts)\n${printed}`);
        }
      }
    },
    async stop() {
      for (const child of [driver, x?.child].filter(Boolean)) {
        child.kill('SIGTERM');
        await new Promise((ok) => { child.once('exit', ok); setTimeout(ok, 3000); });
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

async function call(base, method, path, body, signal) {
  const r = await fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body), signal });
  const { value } = await r.json();
  if (value && value.error) throw new Error(`WebDriver ${method} ${path}: ${value.error}: ${value.message}`);
  return value;
}

/** One browser, as W3C WebDriver drives it. */
class Session {
  constructor(base, id, capabilities) {
    this.base = base;
    this.id = id;
    this.version = `${capabilities.browserName} ${capabilities.browserVersion}`;
  }

  call(method, path, body) { return call(this.base, method, `/session/${this.id}${path}`, body); }

  /** Navigates and waits for the load event. */
  goto(url) { return this.call('POST', '/url', { url }); }

  reload() { return this.call('POST', '/refresh', {}); }

  /** Runs `fn` (a function, sent as its source) in the page with `args`; returns its result. */
  run(fn, ...args) { return this.call('POST', '/execute/sync', { script: `return (${fn}).apply(null, arguments)`, args }); }

  /** A real click (pointer down and up) at the page's viewport coordinates. */
  clickAt(x, y) {
    return this.call('POST', '/actions', {
      actions: [{
        type: 'pointer', id: 'mouse', parameters: { pointerType: 'mouse' },
        actions: [{ type: 'pointerMove', x: Math.round(x), y: Math.round(y), origin: 'viewport' },
          { type: 'pointerDown', button: 0 }, { type: 'pointerUp', button: 0 }],
      }],
    });
  }

  /**
   * Presses `key` (a WebDriver key: `KEY.tab`, `KEY.escape`), with Shift held if `shift`, on
   * whatever has the focus.
   */
  press(key, shift = false) {
    const down = (value) => ({ type: 'keyDown', value }), up = (value) => ({ type: 'keyUp', value });
    const keys = shift ? [down(KEY.shift), down(key), up(key), up(KEY.shift)] : [down(key), up(key)];
    return this.call('POST', '/actions', { actions: [{ type: 'key', id: 'keyboard', actions: keys }] });
  }

  /** A real click on the element `selector` finds. */
  async click(selector) {
    const found = await this.call('POST', '/element', { using: 'css selector', value: selector });
    return this.call('POST', `/element/${Object.values(found)[0]}/click`, {});
  }

  async screenshot(path) { writeFileSync(path, Buffer.from(await this.call('GET', '/screenshot'), 'base64')); }

  close() { return this.call('DELETE', ''); }
}
