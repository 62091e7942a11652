import fc from 'fast-check';
import { snappyCompress } from '@strata/prometheus';
import { prometheus } from '@strata/proto';
import { mutate, type Mutation } from './harness/protobuf-wire';
import { StrataSystem } from './harness/strata-system';

// Fuzzing the HTTP API doors over real HTTP against the real ingest and reader processes
// (fast-check, fixed seed, bounded runs): remote write with mutated protobuf bodies,
// mutated snappy framing and random bytes under every Content-Type and encoding; remote
// read the same way; the series, labels and label values endpoints with random selectors,
// times and parameters, GET and POST. Every answer must be a status the door documents
// (never a 5xx but 503 for a dependency, never a hang), with or without a key; no process
// may die; and afterwards a well-formed write is stored and read back through the same doors.

const SEED = 2718;
const WRITE_ANSWERS = [204, 400, 413, 415, 429];
const READ_ANSWERS = [200, 400, 413, 415, 429];
const LABEL_ANSWERS = [200, 400, 413, 422];
const KEYLESS_ANSWERS = [401, 0];

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('bitFlip' as const), position: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
  fc.record({ kind: fc.constant('lengthLie' as const), fieldIndex: fc.nat(), delta: fc.oneof(fc.integer({ min: -8, max: 8 }), fc.constantFrom(2 ** 31, 2 ** 32 + 1)) }),
  fc.record({ kind: fc.constant('hugeVarint' as const), position: fc.nat(), field: fc.nat() }),
  fc.record({ kind: fc.constant('repeatField' as const), fieldIndex: fc.nat(), times: fc.nat(2) }),
  fc.record({ kind: fc.constant('wrongWireType' as const), fieldIndex: fc.nat(), wireType: fc.nat(7) }),
  fc.record({ kind: fc.constant('insertBytes' as const), position: fc.nat(), bytes: fc.uint8Array({ maxLength: 12 }) }),
);

/** The status of one request; 0 when the server closed the connection before answering (a refusal before the body). */
async function status(url: string, init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: Buffer | string }): Promise<number> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
    await res.arrayBuffer();
    return res.status;
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') throw new Error(`${init.method} ${url}: no answer within 30 s`);
    return 0;
  }
}

describe('fuzzing the HTTP API doors on real processes', () => {
  let system: StrataSystem | undefined;

  beforeAll(async () => {
    system = await StrataSystem.start({ name: 'http-fuzz', baseEnv: process.env, keepDir: process.env['STRATA_SYSTEM_TESTS_KEEP'] === '1', ingestEnv: { STRATA_LOG_LEVEL: 'warn' } });
  }, 180_000);
  afterAll(() => system?.stop(), 60_000);

  it('answers every request with a documented status, keyless ones with 401, never dies, and still stores a good write', () =>
    system!.saveLogsOnFailure(async (sys) => {
      const writer = await sys.startWriter('writer', { env: { STRATA_LOG_LEVEL: 'warn' } });
      const reader = await sys.startReader('reader', { STRATA_COLD_ENABLED: 'false', STRATA_LOG_LEVEL: 'warn' });
      const ingestUrl = `http://127.0.0.1:${sys.ingest.options.httpApiPort}`;
      const readerUrl = `http://127.0.0.1:${reader.options.httpApiPort}`;
      const now = Date.now();
      const seen = new Map<string, number>();
      const check = (what: string, got: number, keyed: boolean, allowed: readonly number[]) => {
        seen.set(`${what} ${got}`, (seen.get(`${what} ${got}`) ?? 0) + 1);
        const ok = keyed ? allowed : KEYLESS_ANSWERS;
        if (!ok.includes(got)) throw new Error(`${what}${keyed ? '' : ' (no key)'} answered ${got}; allowed ${ok.join(' | ')}`);
      };
      const key = (keyed: boolean): Record<string, string> => (keyed ? { authorization: `Bearer ${sys.apiKey}` } : {});

      // 1. Remote write: mutated protobuf (then compressed), mutated compressed bytes, random bytes.
      const valid = Buffer.from(
        prometheus.WriteRequest.encode({
          timeseries: [0, 1, 2].map((i) => ({
            labels: [
              { name: '__name__', value: 'fuzz_metric' },
              { name: 'i', value: String(i) },
            ],
            samples: [{ value: i + 0.5, timestamp: now - 60_000 * (i + 1) }],
            exemplars: [],
            histograms: [],
          })),
          metadata: [],
        }).finish(),
      );
      const bodyArb = fc.oneof(
        fc.array(mutationArb, { maxLength: 3 }).map((ms) => snappyCompress(ms.reduce(mutate, Buffer.from(valid)))),
        fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => {
          const b = Buffer.from(snappyCompress(valid));
          b[at % b.length] = byte;
          return b;
        }),
        fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
      );
      // Mostly what a sender sends, so that most bodies reach the decoders.
      const contentTypeArb = fc.oneof(
        { arbitrary: fc.constantFrom('application/x-protobuf', 'application/x-protobuf;proto=prometheus.WriteRequest', 'application/x-protobuf;proto=io.prometheus.write.v2.Request'), weight: 8 },
        { arbitrary: fc.constantFrom('application/json', ''), weight: 1 },
      );
      const encodingArb = fc.oneof({ arbitrary: fc.constant('snappy'), weight: 8 }, { arbitrary: fc.constantFrom('gzip', ''), weight: 1 });
      await fc.assert(
        fc.asyncProperty(bodyArb, contentTypeArb, encodingArb, fc.boolean(), async (body, type, encoding, keyed) => {
          const headers: Record<string, string> = { ...key(keyed), 'x-prometheus-remote-write-version': '0.1.0' };
          if (type) headers['content-type'] = type;
          if (encoding) headers['content-encoding'] = encoding;
          check('write', await status(`${ingestUrl}/api/v1/write`, { method: 'POST', headers, body }), keyed, WRITE_ANSWERS);
        }),
        { seed: SEED, numRuns: 500 },
      );

      // 2. Remote read, the same way.
      const readRequest = Buffer.from(
        prometheus.ReadRequest.encode({
          queries: [{ startTimestampMs: now - 3_600_000, endTimestampMs: now, matchers: [{ type: 0, name: '__name__', value: 'fuzz_metric' }], hints: undefined }],
          acceptedResponseTypes: [0],
        }).finish(),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(mutationArb, { maxLength: 3 }), fc.boolean(), async (mutations, keyed) => {
          const body = snappyCompress(mutations.reduce(mutate, Buffer.from(readRequest)));
          const headers = { ...key(keyed), 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' };
          check('read', await status(`${readerUrl}/api/v1/read`, { method: 'POST', headers, body }), keyed, READ_ANSWERS);
        }),
        { seed: SEED, numRuns: 300 },
      );

      // 3. Series, label names and values: random selectors, times and limits, GET and POST.
      const selectorArb = fc.oneof(
        fc.string({ maxLength: 60 }),
        fc.stringMatching(/^[a-z_]{0,8}\{([a-z_]{1,5}(=|!=|=~|!~)"[^"\\]{0,8}",?){0,3}\}$/),
        fc.constantFrom('up', '{__name__=~".+"}', '{job=~".*"}', 'sum(up)', 'up[5m]', '{"fuzz_metric"}', '{i=~"(a|b"}', 'fuzz_metric{i=~"1|2"}'),
      );
      const timeArb = fc.oneof(
        { arbitrary: fc.constantFrom(undefined, String(now / 1_000 - 3_600), String(now / 1_000 + 60), new Date(now).toISOString()), weight: 4 },
        { arbitrary: fc.oneof(fc.double(), fc.constantFrom('NaN', 'Inf', '-1e20', 'now', ''), fc.integer().map(String)), weight: 1 },
      );
      const paramsArb = fc.record({ match: fc.array(selectorArb, { maxLength: 3 }), start: timeArb, end: timeArb, limit: fc.oneof(fc.constant(undefined), fc.integer({ min: -2, max: 5 }).map(String), fc.string({ maxLength: 4 })) });
      const pathArb = fc.constantFrom('/api/v1/series', '/api/v1/labels', '/api/v1/label/__name__/values', '/api/v1/label/i/values', '/api/v1/label/U__a_2e_b/values', '/api/v1/label/%ZZ/values');
      await fc.assert(
        fc.asyncProperty(pathArb, paramsArb, fc.boolean(), fc.boolean(), async (path, params, post, keyed) => {
          const q = new URLSearchParams();
          for (const m of params.match) q.append('match[]', m);
          for (const [name, value] of [['start', params.start], ['end', params.end], ['limit', params.limit]] as const) if (value !== undefined) q.append(name, String(value));
          const got = post
            ? await status(`${readerUrl}${path}`, { method: 'POST', headers: { ...key(keyed), 'content-type': 'application/x-www-form-urlencoded' }, body: q.toString() })
            : await status(`${readerUrl}${path}?${q.toString()}`, { method: 'GET', headers: key(keyed) });
          check(path.startsWith('/api/v1/label/') ? 'label values' : path, got, keyed, LABEL_ANSWERS);
        }),
        { seed: SEED, numRuns: 600 },
      );

      process.stdout.write(`[http-fuzz] answers: ${JSON.stringify(Object.fromEntries([...seen].sort()), null, 1)}\n`);
      for (const service of [sys.ingest, writer, reader]) expect([service.name, service.running]).toEqual([service.name, true]);

      // Still serving: a well-formed write is stored and found through the same doors.
      const good = Buffer.from(
        prometheus.WriteRequest.encode({
          timeseries: [{ labels: [{ name: '__name__', value: 'after_fuzz' }, { name: 'job', value: 'check' }], samples: [{ value: 42, timestamp: now }], exemplars: [], histograms: [] }],
          metadata: [],
        }).finish(),
      );
      expect(await status(`${ingestUrl}/api/v1/write`, { method: 'POST', headers: { ...key(true), 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, body: snappyCompress(good) })).toBe(204);
      await sys.waitForCatchUp(60_000);
      const values = await fetch(`${readerUrl}/api/v1/label/job/values?match[]=after_fuzz`, { headers: key(true) });
      expect(await values.json()).toEqual({ status: 'success', data: ['check'] });
    }),
  300_000);
});
