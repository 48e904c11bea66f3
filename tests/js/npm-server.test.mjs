// The npm package imported where there is no page (Node: server-side rendering): importing it
// does nothing, and Shopcue.load rejects with a coded error that says where to call it.
import { test } from 'node:test';
import assert from 'node:assert/strict';

test('imported on a server, the package loads nothing and says where to call load', async () => {
  const { Shopcue } = await import('../../dist/npm/index.js');
  const fetches = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = (...args) => { fetches.push(args); return realFetch(...args); };
  try {
    await assert.rejects(Shopcue.load({ site: 's', config: '/c.json' }), (e) => {
      assert.ok(e instanceof Error);
      assert.equal(e.code, 'SHOPCUE_LOAD_FAILED');
      assert.deepEqual(e.problems, []);
      assert.match(e.message, /^\[shopcue\] Shopcue\.load needs a browser page .*not during server-side rendering/);
      return true;
    });
  } finally {
    globalThis.fetch = realFetch;
  }
  assert.deepEqual(fetches, [], 'nothing fetched');
});
