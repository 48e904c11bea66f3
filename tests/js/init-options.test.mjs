// The options init reads are written in three places: the InitOptions type (pkg-config/npm/
// index.d.ts), and the lists the loader and the npm wrapper warn with about any other option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const read = (path) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

test('the loader and the npm wrapper warn about exactly the options InitOptions does not have', () => {
  const types = /export interface InitOptions \{([^}]*)\}/.exec(read('pkg-config/npm/index.d.ts'))[1];
  const typed = [...types.matchAll(/^\s*([a-z_]+)\??:/gm)].map((m) => m[1]);
  assert.ok(typed.includes('endpoint') && typed.length >= 8, typed.join());
  const loader = /'((?:[a-z]+ )+[a-z]+)'\.split\(' '\)/.exec(read('pkg-config/loader.js'))[1].split(' ');
  const wrapper = JSON.parse(/const INIT_OPTIONS = (\[[^\]]*\])/.exec(read('pkg-config/npm/index.js'))[1].replace(/'/g, '"'));
  assert.deepEqual(loader, typed);
  assert.deepEqual(wrapper, typed);
});
