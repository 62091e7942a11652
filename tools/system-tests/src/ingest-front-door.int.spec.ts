import * as fs from 'node:fs';
import * as http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import type { WriteOutcome } from './harness/ingest-client';
import { write } from './harness/ingest-client';
import { StrataSystem } from './harness/strata-system';

// The ingest front door on a real process (private Kafka and Redis): what a client with no
// key can cost ingest's memory, and what the series limit does when Redis is slow or is
// asked about 100,000 new series at once.

const MIB = 1024 * 1024;
/** The goal: an unauthenticated request never raises ingest's RSS by more than this. */
const KEYLESS_RSS_BUDGET = 16 * MIB;
const SERIES_LIMIT = 1_000;
const UNCHECKED_ALLOWANCE = 20;
const sysKey = 'system-test-key'; // StrataSystem's key for its tenant acme
const PAUSED_KEY = 'paused-redis-key';
const PAUSED_TENANT = 'paused';

/** Resident memory of a process, from /proc/<pid>/status (VmRSS, kB). */
function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** Samples a process' RSS every few ms until stopped; returns the peak. */
function sampleRss(pid: number, everyMs = 5): { stop(): number } {
  let peak = rssBytes(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssBytes(pid));
    },
  };
}

/**
 * A valid WriteRequest of `bytes` bytes made of one series with empty labels, two bytes
 * each on the wire: the cheapest bytes for a client and the most objects to decode (about
 * 4 million labels in 8 MB), so a server that decodes before it checks the key pays most.
 */
function labelBomb(bytes: number): Buffer {
  const varint = (n: number) => {
    const out: number[] = [];
    while (n > 0x7f) {
      out.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    out.push(n);
    return Buffer.from(out);
  };
  let inner = bytes - 6; // room for the series tag and its length
  inner -= inner % 2;
  const labels = Buffer.alloc(inner);
  for (let i = 0; i < inner; i += 2) labels[i] = 0x12; // field 2 (labels), length-delimited, length 0
  return Buffer.concat([Buffer.from([0x0a]), varint(inner), labels]);
}

function rawWrite(client: grpc.Client, body: Buffer, apiKey: string | undefined, timeoutMs = 30_000): Promise<WriteOutcome> {
  const metadata = new grpc.Metadata();
  if (apiKey !== undefined) metadata.set('x-api-key', apiKey);
  return new Promise((resolve) => {
    client.makeUnaryRequest<Buffer, Buffer>(
      '/strata.v1.IngestService/Write',
      (b) => b,
      (b) => b,
      body,
      metadata,
      { deadline: Date.now() + timeoutMs },
      (error) => resolve(error ? { ok: false, error } : { ok: true, response: { accepted: 0, rejections: [] } }),
    );
  });
}

describe('the ingest front door on a real process', () => {
  let system: StrataSystem | undefined;

  beforeAll(async () => {
    system = await StrataSystem.start({
      name: 'front-door',
      baseEnv: process.env,
      services: ['kafka', 'redis'],
      ingestEnv: {
        STRATA_LOG_LEVEL: 'warn',
        STRATA_MAX_POINTS_PER_REQUEST: '100000',
        STRATA_MAX_SERIES_PER_TENANT: String(SERIES_LIMIT),
        STRATA_SERIES_UNCHECKED_ALLOWANCE: String(UNCHECKED_ALLOWANCE),
        // A tight registry timeout, so that a registry asked about 100,000 series in one
        // go (the old way) times out here, while calls of 500 (a few ms) stay well inside.
        STRATA_SERIES_REGISTRY_TIMEOUT_MS: '60',
        STRATA_SERIES_REGISTRY_CHUNK: '500',
        // A second tenant for the paused-Redis case, so it does not depend on the others.
        STRATA_API_KEYS: `${sysKey}:acme,${PAUSED_KEY}:${PAUSED_TENANT}`,
      },
    });
  }, 180_000);

  afterAll(() => system?.stop(), 60_000);

  it('refuses keyless and wrong-key 8 MB bodies without raising its RSS by 16 MiB', () =>
    system!.saveLogsOnFailure(async (sys) => {
      const pid = sys.ingest.pid;
      const body = labelBomb(8_000_000);
      const clients = Array.from({ length: 4 }, () => new grpc.Client(sys.ingest.grpcAddress, grpc.credentials.createInsecure()));
      try {
        // Warm up the refusal path (and the client channels) with small bodies first.
        await Promise.all(clients.map((c) => rawWrite(c, labelBomb(1_000), undefined)));
        await new Promise((resolve) => setTimeout(resolve, 500));
        const baseline = sampleRss(pid);
        await new Promise((resolve) => setTimeout(resolve, 500));
        const before = baseline.stop();

        const peakSampler = sampleRss(pid);
        const outcomes: WriteOutcome[] = [];
        for (const apiKey of [undefined, 'not-a-key-of-anyone', undefined, 'not-a-key-of-anyone']) {
          outcomes.push(...(await Promise.all(clients.map((c) => rawWrite(c, body, apiKey)))));
        }
        await new Promise((resolve) => setTimeout(resolve, 300));
        const peak = peakSampler.stop();
        const grew = peak - before;
        process.stdout.write(
          `keyless flood: 16 x 8 MB bodies (4 at a time); ingest RSS before ${(before / MIB).toFixed(1)} MiB, ` +
            `peak ${(peak / MIB).toFixed(1)} MiB, grew ${(grew / MIB).toFixed(1)} MiB\n`,
        );
        expect(outcomes.map((o) => (o.ok ? 'OK' : grpc.status[o.error.code]))).toEqual(Array(16).fill('UNAUTHENTICATED'));
        expect(grew).toBeLessThan(KEYLESS_RSS_BUDGET);
        expect(sys.ingest.running).toBe(true);
        const refused = (await sys.ingest.metrics()).split('\n').filter((line) => line.startsWith('strata_ingest_requests_refused_total{'));
        expect(refused.sort()).toEqual([
          'strata_ingest_requests_refused_total{code="UNAUTHENTICATED",reason="missing_key",service="ingest"} 12',
          'strata_ingest_requests_refused_total{code="UNAUTHENTICATED",reason="unknown_key",service="ingest"} 8',
        ]);
      } finally {
        clients.forEach((c) => c.close());
      }
    }), 120_000);

  it('refuses keyless and wrong-key 8 MB remote-write bodies on the HTTP API port without raising its RSS by 16 MiB', () =>
    system!.saveLogsOnFailure(async (sys) => {
      const pid = sys.ingest.pid;
      const url = new URL('/api/v1/write', sys.ingestHttpUrl);
      const body = Buffer.alloc(8_000_000, 0x61);
      /** POSTs a body; resolves to the status, or to the socket error if no answer came (the server may close first). */
      const post = (bytes: Buffer, headers: Record<string, string>) =>
        new Promise<number | string>((resolve) => {
          const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', ...headers } });
          req.on('response', (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
          req.end(bytes);
        });
      await Promise.all(Array.from({ length: 4 }, () => post(Buffer.alloc(1_000), {})));
      await new Promise((resolve) => setTimeout(resolve, 500));
      const baseline = sampleRss(pid);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const before = baseline.stop();
      const peakSampler = sampleRss(pid);
      const statuses: Array<number | string> = [];
      const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer not-a-key-of-anyone' }, {}, { 'x-api-key': 'not-a-key-of-anyone' }];
      for (const headers of attempts) {
        statuses.push(...(await Promise.all(Array.from({ length: 4 }, () => post(body, headers)))));
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      const peak = peakSampler.stop();
      const grew = peak - before;
      process.stdout.write(
        `keyless remote-write flood: 16 x 8 MB bodies (4 at a time); ingest RSS before ${(before / MIB).toFixed(1)} MiB, ` +
          `peak ${(peak / MIB).toFixed(1)} MiB, grew ${(grew / MIB).toFixed(1)} MiB; answers ${[...new Set(statuses)].join(', ')}\n`,
      );
      // Every request that got an answer got 401; one whose upload the server cut short may see the reset first.
      expect(statuses.filter((s) => s !== 401 && s !== 'ECONNRESET' && s !== 'EPIPE')).toEqual([]);
      expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(8);
      expect(grew).toBeLessThan(KEYLESS_RSS_BUDGET);
      expect(sys.ingest.running).toBe(true);
      expect(await sys.metric(sys.ingest, 'strata_ingest_remote_write_requests_total')).toBe(20);
    }), 120_000);

  it('holds the series limit for one request of 100,000 new series, listing 100 refusals and a count', () =>
    system!.saveLogsOnFailure(async (sys) => {
      const t = Date.now() - 60_000;
      const series = Array.from({ length: 100_000 }, (_, i) => ({
        name: 'burst.series',
        labels: [{ name: 'i', value: String(i) }],
        points: [{ timestampMs: t, value: i }],
      }));
      const outcome = await write(sys.client(), sys.apiKey, { series }, 60_000);
      if (!outcome.ok) throw new Error(`Write failed: ${outcome.error.code} ${outcome.error.details}`);
      // The limit holds whatever Redis did: at most the allowance past it. (On a busy
      // machine a registry call may time out; its series are then unverified, and only the
      // allowance of them is admitted.)
      const { accepted, rejections } = outcome.response;
      expect(accepted).toBeLessThanOrEqual(SERIES_LIMIT + UNCHECKED_ALLOWANCE);
      const codes = new Set(['SERIES_LIMIT_EXCEEDED', 'SERIES_LIMIT_UNVERIFIED']);
      const listed = rejections.filter((r) => r.seriesIndex >= 0);
      const summaries = rejections.filter((r) => r.seriesIndex === -1);
      expect(listed).toHaveLength(100);
      expect(listed.every((r) => codes.has(r.code))).toBe(true);
      expect(summaries.length).toBeGreaterThanOrEqual(1);
      expect(summaries.every((r) => r.pointIndex === -1 && codes.has(r.code))).toBe(true);
      // Every series is accounted for: accepted, listed, or counted in a summary.
      const summarised = summaries.reduce((sum, r) => sum + Number(/^(\d+) more rejections/.exec(r.message)?.[1] ?? NaN), 0);
      expect(Number(accepted) + listed.length + summarised).toBe(100_000);
      process.stdout.write(`100,000 new series in one Write: ${accepted} accepted, summaries ${JSON.stringify(summaries.map((r) => r.message.slice(0, 60)))}\n`);
    }), 120_000);

  it('admits only a small allowance of unchecked new series while Redis is paused, refusing the rest as retriable', () =>
    system!.saveLogsOnFailure(async (sys) => {
      const t = Date.now() - 60_000;
      const request = (ids: readonly string[]) => ({
        series: ids.map((id, i) => ({ name: 'paused.series', labels: [{ name: 'id', value: id }], points: [{ timestampMs: t, value: i }] })),
      });
      const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
      const known = ids('known', 5);
      const fresh = ids('new', 100);
      const first = await write(sys.client(), PAUSED_KEY, request(known), 30_000);
      expect(first.ok && first.response.accepted).toBe(5);

      sys.stack.pause('redis');
      let refusedIds: string[];
      try {
        const began = Date.now();
        const outcome = await write(sys.client(), PAUSED_KEY, request([...known, ...fresh]), 30_000);
        if (!outcome.ok) throw new Error(`Write failed: ${outcome.error.code} ${outcome.error.details}`);
        expect(Date.now() - began).toBeLessThan(5_000); // refused at the registry timeout, not hung
        // The known series pass (this replica admitted them); of the new, only the allowance.
        expect(outcome.response.accepted).toBe(5 + UNCHECKED_ALLOWANCE);
        expect(outcome.response.rejections).toHaveLength(100 - UNCHECKED_ALLOWANCE);
        expect(new Set(outcome.response.rejections.map((r) => r.code))).toEqual(new Set(['SERIES_LIMIT_UNVERIFIED']));
        expect(outcome.response.rejections[0].message).toMatch(/STRATA_SERIES_UNCHECKED_ALLOWANCE.*retry later$/);
        refusedIds = outcome.response.rejections.map((r) => [...known, ...fresh][r.seriesIndex]);
      } finally {
        sys.stack.resume('redis');
      }
      // Redis back: the retry of what was refused is checked against the limit, and fits.
      const retry = await write(sys.client(), PAUSED_KEY, request(refusedIds), 30_000);
      if (!retry.ok) throw new Error(`Write failed: ${retry.error.code} ${retry.error.details}`);
      expect(retry.response).toEqual({ accepted: 100 - UNCHECKED_ALLOWANCE, rejections: [] });
      const metrics = await sys.ingest.metrics();
      expect(metrics).toContain(`strata_ingest_series_refused_unverified_total{tenant="${PAUSED_TENANT}",service="ingest"} ${100 - UNCHECKED_ALLOWANCE}`);
    }), 120_000);
});
