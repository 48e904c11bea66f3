// scripts/port-free.sh, which ./x demo asks before it starts its collector: a taken port stops
// it with a message that says what to do; a free one, or an address it does not ask about, not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

const script = new URL('../../scripts/port-free.sh', import.meta.url).pathname;
const run = (addr) => spawnSync('bash', [script, addr], { encoding: 'utf8' });

test('a port something listens on is refused, with what to do; a free one is not', async () => {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((ok) => server.once('listening', ok));
  const { port } = server.address();
  try {
    for (const addr of [`127.0.0.1:${port}`, `0.0.0.0:${port}`, `localhost:${port}`]) {
      const taken = run(addr);
      assert.equal(taken.status, 1, addr);
      assert.equal(taken.stderr, `x demo: something is already listening on ${addr} (another ./x demo?). `
        + 'Stop it, or choose another address: SHOPCUE_LISTEN=127.0.0.1:8788 ./x demo\n');
    }
  } finally {
    await new Promise((ok) => server.close(ok));
  }
  const free = run(`127.0.0.1:${port}`);
  assert.deepEqual([free.status, free.stderr], [0, '']);
  assert.equal(run(`10.255.255.1:${port}`).status, 0, 'another host is the collector\'s to judge');
});
