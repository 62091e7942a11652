import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createS3, S3ObjectStore } from '@strata/storage/cold';
import { startStack, stopStack } from './index';
import { procProcessTable } from './process-supervisor';
import type { StackLogger } from './logger';

// The stack's S3 server keeps what it acknowledged: objects written, then `down` and `up`,
// then a SIGKILL and `up` again, on the same data directory. A server that keeps objects in
// memory (moto, before) fails the first read back. Runs from the installed versitygw (the
// default cache dir; installed by the first `up` if missing) with a scratch state dir and a
// free port, next to whatever stack is already running.

const sha256 = (data: Uint8Array | undefined) => (data === undefined ? 'missing' : createHash('sha256').update(data).digest('hex'));

/**
 * A port that is free now, below Linux's ephemeral range (32768-60999): a port the kernel
 * hands out for listen(0) may be given to some outgoing connection before the server binds it.
 */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = net.createServer();
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (bound) {
      await new Promise((resolve) => server.close(resolve));
      return port;
    }
  }
}

/** Resolves once nothing listens on `port` (a connection is refused), within 10 s. */
async function portReleased(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const listening = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (!listening) return;
    if (Date.now() > deadline) throw new Error(`port ${port} still listened on 10 s after its server was killed`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('s3 keeps acknowledged objects across down/up and a SIGKILL (real process)', () => {
  let stateDir: string;
  let env: Record<string, string | undefined>;
  const lines: string[] = [];
  const logger: StackLogger = { info: (l) => lines.push(l), warn: (l) => lines.push(`WARN ${l}`) };
  const options = () => ({ env, logger, services: ['s3'] as const });
  const bytes = (seed: number, length: number) => Uint8Array.from({ length }, (_, i) => (seed * 31 + i) % 256);
  // A block larger than one 1 MiB I/O buffer, small objects, and a key with characters that need escaping.
  const objects = new Map<string, Uint8Array>([
    ['cold/acme/blocks/day-20000/block-0.bin', bytes(1, 3 * 1024 * 1024 + 17)],
    ['cold/acme/manifests/day-20000.json', bytes(2, 300)],
    ['cold/t=ünï code+%20/k ey', bytes(3, 1)],
    ...Array.from({ length: 30 }, (_, i) => [`cold/acme/small/${String(i).padStart(3, '0')}`, bytes(10 + i, 100 + i)] as const),
  ]);

  async function withStore<T>(endpoint: string, body: (store: S3ObjectStore) => Promise<T>): Promise<T> {
    const client = createS3({ endpoint, region: 'us-east-1', forcePathStyle: true });
    try {
      return await body(new S3ObjectStore(client, 'strata-cold'));
    } finally {
      client.destroy();
    }
  }

  async function expectEveryObject(endpoint: string): Promise<void> {
    await withStore(endpoint, async (store) => {
      expect((await store.list('cold/')).keys).toEqual([...objects.keys()].sort());
      // Digests, not bytes: Jest's deep equality walks a 3 MiB buffer for seconds.
      for (const [key, body] of objects) expect({ key, sha256: sha256(await store.get(key)) }).toEqual({ key, sha256: sha256(body) });
      // The cold reader's range GETs, across the 1 MiB boundary of the big block.
      const big = objects.get('cold/acme/blocks/day-20000/block-0.bin')!;
      const range = { start: 1024 * 1024 - 5, end: 1024 * 1024 + 5 };
      expect(Buffer.from((await store.get('cold/acme/blocks/day-20000/block-0.bin', range))!)).toEqual(Buffer.from(big.subarray(range.start, range.end)));
    });
  }

  beforeAll(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-stack-s3-int-'));
    const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('STRATA_STACK_')));
    env = { ...clean, STRATA_STACK_STATE_DIR: stateDir, STRATA_STACK_S3_PORT: String(await freePort()), STRATA_STACK_STOP_TIMEOUT_MS: '5000' };
  });

  afterAll(async () => {
    await stopStack({ env, logger, services: ['s3'] }).catch(() => undefined);
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('reads back every object after down/up and after a SIGKILL', async () => {
    const first = await startStack(options());
    const endpoint = first.services[0]!.endpoint;
    await withStore(endpoint, async (store) => {
      for (const [key, body] of objects) await store.put(key, body);
    });
    await expectEveryObject(endpoint);

    await stopStack(options());
    const second = await startStack(options());
    expect(second.services[0]!.provisioned).toEqual(['bucket strata-cold (exists)']);
    await expectEveryObject(endpoint);

    // A crash right after the last acknowledged PUT: no shutdown, no flush.
    await withStore(endpoint, (store) => store.put('cold/acme/manifests/day-20000.json', bytes(99, 301)));
    objects.set('cold/acme/manifests/day-20000.json', bytes(99, 301));
    const killed = second.services[0]!.pid;
    process.kill(-killed, 'SIGKILL');
    const table = procProcessTable();
    while (table.isAlive(killed)) await new Promise((resolve) => setTimeout(resolve, 20));
    // The kernel may release the dead server's listening socket a moment after the pid is
    // gone; `up` would take the port for someone else's until then.
    await portReleased(Number(env['STRATA_STACK_S3_PORT']));
    lines.length = 0;
    const third = await startStack(options());
    expect(third.started).toEqual(['s3']);
    expect(lines.some((l) => l.startsWith('WARN') && l.includes(`stale pidfile: pid ${killed} is not running`))).toBe(true);
    await expectEveryObject(endpoint);
    // Plain files under the stack's data dir, where `down --wipe` finds them.
    expect(fs.readFileSync(path.join(stateDir, 'data', 's3', 'strata-cold', 'cold/acme/manifests/day-20000.json'))).toEqual(Buffer.from(bytes(99, 301)));
  }, 240_000);
});
