import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from 'ioredis';
import { hotKeys, seriesId } from './hot-keys';
import { RedisHotStore } from './hot-store';
import { RedisHotReader } from './hot-reader';
import { encodeChunk } from '../codec/chunk';
import { createRedisCluster } from './redis-cluster';
import { catalogKeys, RedisSeriesCatalog } from './series-catalog';
import { LateWriteLedger } from './late-write-ledger';

const HOUR = 3_600_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A real 3-master Redis Cluster from Debian's redis-server, on loopback, for this spec only. */
describe('the hot tier on a real 3-master Redis Cluster', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-redis-cluster-'));
  const nodes: ChildProcess[] = [];
  let ports: number[] = [];
  let cluster: Cluster;

  beforeAll(async () => {
    ports = [await freePort(), await freePort(), await freePort()];
    for (const port of ports) {
      const node = spawn(
        'redis-server',
        ['--bind', '127.0.0.1', '--port', String(port), '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`),
          '--dir', dir, '--save', '', '--appendonly', 'no'],
        { stdio: 'ignore' },
      );
      nodes.push(node);
    }
    await waitFor(() => {
      try {
        return ports.every((p) => execFileSync('redis-cli', ['-p', String(p), 'ping']).toString().trim() === 'PONG');
      } catch {
        return false;
      }
    }, 10_000);
    execFileSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'ignore' });
    await waitFor(() => ports.every((p) => execFileSync('redis-cli', ['-p', String(p), 'cluster', 'info']).toString().includes('cluster_state:ok')), 15_000);
    cluster = createRedisCluster({ nodes: [`127.0.0.1:${ports[0]}`] });
  });

  afterAll(async () => {
    cluster?.disconnect();
    for (const node of nodes) node.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes, seals, leases and reads back across slots on three masters', async () => {
    const store = new RedisHotStore(cluster, { windowMs: 2 * HOUR, sealGraceMs: 0, retentionMs: 26 * HOUR });
    const start = 1_763_856_000_000;
    const writes = Array.from({ length: 50 }, (_, i) => ({
      tenant: 'acme',
      seriesKey: `m${i}{host="h${i}"}`,
      index: { oldestDay: 20_415, newestDay: 20_415 },
      points: [{ timestampMs: start + i * 1_000, value: i }, { timestampMs: start + 60_000, value: -i }],
    }));
    await store.append(3, writes);

    // The series' keys really are spread over the three masters.
    const perNode = await Promise.all(cluster.nodes('master').map((n) => n.dbsize()));
    expect(perNode.filter((n) => n > 0)).toHaveLength(3);

    const due = await store.dueWindows(3, start + 2 * HOUR, 100);
    expect(due).toHaveLength(50);
    expect(await store.dueCounts([3, 4], start + 2 * HOUR)).toEqual([{ due: 50, waiting: 50 }, { due: 0, waiting: 0 }]);
    const input = await store.beginSeal(due[7]);
    const i = writes.findIndex((w) => w.seriesKey === due[7].seriesKey);
    expect(input.points).toEqual(i === 60 ? [] : writes[i].points.slice().sort((a, b) => a.timestampMs - b.timestampMs));
    expect(await cluster.exists(hotKeys.open(seriesId('acme', due[7].seriesKey), start))).toBe(0);
    const sealedPoints = [...input.points];
    await store.finishSeal(due[7], 3, encodeChunk(sealedPoints), start + 3 * HOUR);
    expect(await store.backlog(3)).toBe(49);
    expect(await store.acquireLease(3, 'a', 5_000)).toBe(true);
    expect(await store.acquireLease(3, 'b', 5_000)).toBe(false);
    expect(await cluster.zcard(catalogKeys.newest('acme'))).toBe(50);
    expect(await new RedisSeriesCatalog(cluster).changes('acme', 0, 100)).toMatchObject({ lastSeq: 50 });
    // The reader's one-round-trip read: one script over the tenant's keys, one slot.
    const read = await new RedisSeriesCatalog(cluster).read('acme', 0, 100);
    expect(read).toMatchObject({ position: { seq: 50 }, lastSeq: 50 });
    expect(read.entries).toHaveLength(50);

    // The reader's view over the cluster: the sealed series from its packed chunk plus a
    // newer open point, another series straight from its open hash.
    await store.append(3, [{ tenant: 'acme', seriesKey: due[7].seriesKey, points: [{ timestampMs: start + 90_000, value: 99 }] }]);
    const reader = new RedisHotReader(cluster, { windowMs: 2 * HOUR });
    const sealedSeries = await reader.read('acme', due[7].seriesKey, start, start + 2 * HOUR);
    expect(Array.from(sealedSeries.timestamps)).toEqual([...sealedPoints.map((p) => p.timestampMs), start + 90_000].sort((a, b) => a - b));
    expect(sealedSeries.values[sealedSeries.values.length - 1]).toBe(99);
    const other = writes.find((w) => w.seriesKey !== due[7].seriesKey)!;
    const open = await reader.read('acme', other.seriesKey, start, start + 2 * HOUR);
    expect(Array.from(open.values).sort()).toEqual(other.points.map((p) => p.value).sort());
  });

  it("records a seal round's writes into days whose ledgers live in different slots, and gives readers their tokens", async () => {
    const ledger = new LateWriteLedger(cluster);
    const days = [20_100, 20_101, 20_102, 20_103];
    expect(new Set(days.map((d) => hotKeys.lateLedger(d)).map((k) => Number(execFileSync('redis-cli', ['-p', String(ports[0]), 'cluster', 'keyslot', k]).toString().trim()))).size).toBeGreaterThan(1);
    const before = await ledger.dayTokens('acme', days);
    expect([...before.keys()]).toEqual(days);
    // One seal round's writes into several days (the writer's record after a round over midnight).
    await ledger.recordWrites([
      { tenant: 'acme', day: days[1] },
      { tenant: 'acme', day: days[2] },
      { tenant: 'other', day: days[2] },
    ]);
    const after = await ledger.dayTokens('acme', days);
    expect(days.map((d) => after.get(d) === before.get(d))).toEqual([true, false, false, true]);
    expect((await ledger.writeCounts(days[2])).get('other')).toBe(1);
  });
});
