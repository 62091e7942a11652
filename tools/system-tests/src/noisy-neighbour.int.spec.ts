import * as grpc from '@grpc/grpc-js';
import { ReadResponse, WriteResponse } from '@strata/proto';
import { CanaryTenant, latencySummary } from './harness/canary-tenant';
import { AttackTally, hostileAttacks, hugeSeriesRead, seedRequest, sendNoise } from './harness/noisy-tenant';
import { METHODS, outcomeCode, ownConnection, serverStreamRaw, unaryRaw } from './harness/raw-grpc';
import { StrataSystem } from './harness/strata-system';

// Issue 14's noisy neighbour on real processes with their default limits: tenant A and a
// client with no key send everything hostile as fast as they are answered, through the gRPC
// doors and the Prometheus ones (remote write, remote read) (8 MB garbage,
// truncated and deeply nested bodies, keyless floods, label sets at and past every limit,
// a 100,000-point series, worst-case globs over long names, year-long reads of 1,000
// series), while tenant B writes a point every 100 ms and reads it back through the
// reader. B must get every write acknowledged, every read answered, every point readable
// at the end; A and the keyless client only precise refusals; and no process may die.
// B's latency is logged, not asserted (`npm run bench` reports it against idle).

const KEYS = { a: 'noisy-tenant-a-key', b: 'canary-tenant-b-key', wrong: 'nobody-has-this-key' };
const API_KEYS = `system-test-key:acme,${KEYS.a}:tenant-a,${KEYS.b}:tenant-b`;
const NOISE_MS = 45_000;

describe('a noisy neighbour on real processes', () => {
  let system: StrataSystem | undefined;
  const connections: grpc.Client[] = [];
  const connect = (address: string) => {
    const client = ownConnection(address);
    connections.push(client);
    return client;
  };

  beforeAll(async () => {
    system = await StrataSystem.start({
      name: 'noisy-neighbour',
      baseEnv: process.env,
      keepDir: process.env['STRATA_SYSTEM_TESTS_KEEP'] === '1',
      ingestEnv: { STRATA_API_KEYS: API_KEYS, STRATA_LOG_LEVEL: 'warn' },
    });
  }, 180_000);

  afterAll(async () => {
    connections.forEach((c) => c.close());
    await system?.stop();
  }, 60_000);

  it('keeps tenant B whole and unrefused while tenant A and a keyless client send everything hostile, refusing those precisely', () =>
    system!.saveLogsOnFailure(async (sys) => {
      const writer = await sys.startWriter('writer', { env: { STRATA_LOG_LEVEL: 'warn' } });
      const reader = await sys.startReader('reader', { STRATA_API_KEYS: API_KEYS, STRATA_COLD_ENABLED: 'false' });
      const now = Date.now();
      const http = { ingest: sys.ingestHttpUrl, reader: `http://127.0.0.1:${reader.options.httpApiPort}` };
      const a = { ingest: connect(sys.ingest.grpcAddress), reader: connect(reader.grpcAddress), http };
      const keyless = { ingest: connect(sys.ingest.grpcAddress), reader: connect(reader.grpcAddress), http };
      const canary = new CanaryTenant({ ingest: connect(sys.ingest.grpcAddress), reader: connect(reader.grpcAddress), apiKey: KEYS.b });

      // Tenant A's 2,000 long names, for the globs and the year-long reads to run over.
      const seeded = await unaryRaw(a.ingest, METHODS.write, seedRequest(now), KEYS.a, 60_000);
      if (!seeded.ok) throw new Error(`seeding tenant A failed: ${outcomeCode(seeded)} ${seeded.error.details}`);
      expect(WriteResponse.decode(seeded.messages[0]!)).toEqual({ accepted: 2_000, rejections: [] });

      const settling = await canary.settle(90_000);
      if (settling.length > 0) process.stdout.write(`[noisy-neighbour] before the system settled, tenant B saw ${settling.length} problems, first: ${settling[0]}\n`);
      // B alone first: a baseline for the log line, and proof the canary works at all.
      canary.writeMs.length = 0;
      canary.readableMs.length = 0;
      canary.readMs.length = 0;
      const idleUntil = Date.now() + 5_000;
      await canary.run(() => Date.now() >= idleUntil);
      const idle = { write: [...canary.writeMs], readable: [...canary.readableMs], read: [...canary.readMs] };
      expect(canary.failures).toEqual([]);
      expect(idle.readable.length).toBeGreaterThan(10);

      const tally = new AttackTally();
      const noiseEnds = Date.now() + NOISE_MS;
      let noiseDone = false;
      const noise = sendNoise(hostileAttacks({ now, httpDoors: true }), { tenant: a, keyless }, { tenant: KEYS.a, wrong: KEYS.wrong }, tally, () => Date.now() >= noiseEnds).finally(
        () => (noiseDone = true),
      );
      const writesBefore = canary.writeMs.length;
      const readableBefore = canary.readableMs.length;
      const readsBefore = canary.readMs.length;
      await canary.run(() => noiseDone || Date.now() >= noiseEnds + 5_000);
      await noise;
      const loaded = { write: canary.writeMs.slice(writesBefore), readable: canary.readableMs.slice(readableBefore), read: canary.readMs.slice(readsBefore) };

      const stat = latencySummary;
      process.stdout.write(
        `[noisy-neighbour] ${tally.total} hostile requests in ${NOISE_MS / 1000} s:\n${tally.describe()}\n` +
          `[noisy-neighbour] tenant B write latency idle ${stat(idle.write)}; under noise ${stat(loaded.write)}\n` +
          `[noisy-neighbour] tenant B time-to-readable idle ${stat(idle.readable)}; under noise ${stat(loaded.readable)}; ${canary.lateReadBacks} read-backs gave up after 10 s, ${canary.skippedReadBacks} skipped (2 already running)\n` +
          `[noisy-neighbour] tenant B Read call latency idle ${stat(idle.read)}; under noise ${stat(loaded.read)}\n`,
      );

      // A and the keyless client: precise refusals only, and the attacks really ran.
      expect(tally.problems).toEqual([]);
      expect([...tally.counts.keys()].sort()).toEqual(hostileAttacks({ now, httpDoors: true }).map((attack) => attack.name).sort());

      // B: nothing refused, nothing lost.
      expect(canary.failures).toEqual([]);
      expect(loaded.write.length).toBeGreaterThan(50);
      // Once the writer has projected everything, so that "missing" means lost, not late.
      await sys.waitForCatchUp(120_000);
      expect(await canary.check()).toEqual([]);
      expect(canary.failures).toEqual([]);

      // A's legitimate part is kept too: its 100,000-point series whole, through the reader.
      const huge = await serverStreamRaw(a.reader, METHODS.read, hugeSeriesRead(now), KEYS.a, { timeoutMs: 120_000 });
      if (!huge.ok) throw new Error(`reading tenant A's huge series failed: ${outcomeCode(huge)} ${huge.error.details}`);
      expect(huge.messages.reduce((n, m) => n + ReadResponse.decode(m).series.reduce((k, s) => k + s.points.length, 0), 0)).toBe(100_000);

      for (const service of [sys.ingest, writer, reader]) expect([service.name, service.running]).toEqual([service.name, true]);
    }),
  300_000);
});
