import type * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { MAX_SERIES_KEY_BYTES, RejectionCode, seriesKey, seriesKeyBytes } from '@strata/model';
import { ListSeriesRequest, ReadRequest, WriteRequest, WriteResponse, type Label, type Series } from '@strata/proto';
import { AckLedger } from './harness/ack-ledger';
import { describeCheck } from './harness/ledger-check';
import { mutate, type Mutation } from './harness/protobuf-wire';
import { METHODS, outcomeCode, ownConnection, serverStreamRaw, unaryRaw, type RawOutcome } from './harness/raw-grpc';
import { StrataSystem, WINDOW_MS } from './harness/strata-system';

// Fuzzing over real gRPC against the real ingest and reader processes (fast-check, fixed
// seed, bounded runs): random and mutated protobuf bodies (bit flips, truncations, length
// prefixes that lie, huge and overlong varints, repeated fields, wrong wire types) for
// Write, Read and ListSeries, and series identities at every boundary (name length, label
// count, label name length, label value length in UTF-16 units and in UTF-8 bytes, the
// series key's byte limit, multi-byte characters). Every answer must be a definite status
// (never INTERNAL or UNKNOWN), no process may die, ingest's verdict on an identity must be
// the model's, and everything ingest acknowledged must reach the tiers: the identity runs'
// points sealed into DynamoDB, the mutated bodies' points in Redis or DynamoDB, exactly.

const SEED = 1414;
const TENANT_ANSWERS = ['OK', 'INVALID_ARGUMENT', 'RESOURCE_EXHAUSTED'];
const KEYLESS_ANSWERS = ['UNAUTHENTICATED', 'RESOURCE_EXHAUSTED'];
const STABLE_REJECTIONS = new Set<string>(Object.values(RejectionCode));

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('bitFlip' as const), position: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
  fc.record({ kind: fc.constant('lengthLie' as const), fieldIndex: fc.nat(), delta: fc.oneof(fc.integer({ min: -8, max: 8 }), fc.constantFrom(2 ** 31, 2 ** 32 + 1, -(2 ** 20))) }),
  fc.record({ kind: fc.constant('hugeVarint' as const), position: fc.nat(), field: fc.nat() }),
  // At most 3 copies: the rejections of one request stay under the listed cap (100), so the ledger can account for each point.
  fc.record({ kind: fc.constant('repeatField' as const), fieldIndex: fc.nat(), times: fc.nat(2) }),
  fc.record({ kind: fc.constant('wrongWireType' as const), fieldIndex: fc.nat(), wireType: fc.nat(7) }),
  fc.record({ kind: fc.constant('insertBytes' as const), position: fc.nat(), bytes: fc.uint8Array({ maxLength: 12 }) }),
);

/** A Write of up to 3 series x 4 points, mostly plausible, some of it wrong; timestamps in the last 2 days or anywhere. */
const writeRequestArb = (now: number): fc.Arbitrary<{ series: Series[] }> =>
  fc.record({
    series: fc.array(
      fc.record({
        name: fc.oneof(fc.stringMatching(/^[a-z][a-z0-9._-]{0,40}$/), fc.string({ maxLength: 20, unit: 'binary' })),
        labels: fc.array(
          fc.record({
            name: fc.oneof(fc.constantFrom('host', 'dc', 'job'), fc.string({ maxLength: 10 })),
            value: fc.string({ maxLength: 20, unit: 'binary' }),
          }),
          { maxLength: 3 },
        ),
        points: fc.array(
          fc.record({
            timestampMs: fc.oneof(fc.integer({ min: now - 2 * 86_400_000, max: now - 3 * WINDOW_MS }), fc.maxSafeInteger(), fc.integer({ min: -(2 ** 40), max: 2 ** 45 })),
            value: fc.oneof(fc.double(), fc.integer()),
          }),
          { maxLength: 4 },
        ),
      }),
      { maxLength: 3 },
    ),
  });

/**
 * The verdict ingest must give a series identity under the default limits, in the order
 * it checks them: undefined when it is accepted.
 */
function identityVerdict(s: Series): string | undefined {
  if (!/^[a-zA-Z0-9._:-]{1,255}$/.test(s.name)) return RejectionCode.INVALID_NAME;
  if (s.labels.length > 32) return RejectionCode.TOO_MANY_LABELS;
  const seen = new Set<string>();
  for (const l of s.labels) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(l.name) || l.name.length > 128) return RejectionCode.INVALID_LABEL_NAME;
    if (seen.has(l.name)) return RejectionCode.DUPLICATE_LABEL;
    seen.add(l.name);
    if (l.value.length === 0 || l.value.length > 1_024) return RejectionCode.INVALID_LABEL_VALUE;
  }
  if (seriesKeyBytes(s.name, s.labels) > MAX_SERIES_KEY_BYTES) return RejectionCode.SERIES_KEY_TOO_LONG;
  return undefined;
}

/** Characters of 1, 2, 3 and 4 UTF-8 bytes (the last two UTF-16 units long). */
const CHARACTERS = ['a', 'é', '€', '𝄞'];

/** A label value of about `units` UTF-16 units from one or two kinds of character. */
const valueArb = fc
  .record({
    units: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 40 }), weight: 3 }, { arbitrary: fc.constantFrom(1, 480, 640, 960, 1_023, 1_024, 1_025), weight: 1 }),
    chars: fc.array(fc.nat(3), { minLength: 1, maxLength: 2 }),
  })
  .map(({ units, chars }) => {
    let value = '';
    for (let i = 0; value.length < units; i++) value += CHARACTERS[chars[i % chars.length]!]!;
    return value.length > units && value.length > 1 ? value.slice(0, -2) + 'a' : value; // never split a surrogate pair
  });

/**
 * Series identities around every limit: each dimension mostly well inside, sometimes at
 * or one past its limit; with `keyDelta`, the last label's value is filled with one kind
 * of character so that the key is exactly MAX_SERIES_KEY_BYTES + keyDelta bytes.
 */
const identityArb = fc.record({
  nameLength: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 60 }), weight: 2 }, { arbitrary: fc.constantFrom(254, 255, 256), weight: 1 }),
  labelCount: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 3 }), weight: 3 }, { arbitrary: fc.constantFrom(31, 32, 33), weight: 1 }),
  labelNameLength: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 12 }), weight: 3 }, { arbitrary: fc.constantFrom(127, 128, 129), weight: 1 }),
  values: fc.array(valueArb, { minLength: 1, maxLength: 3 }),
  keyDelta: fc.option(fc.integer({ min: -2, max: 2 })),
  fill: fc.nat(3),
});

/** `bytes` UTF-8 bytes of CHARACTERS[fill], topped up with `a`. */
function filledValue(bytes: number, fill: number): string {
  const c = CHARACTERS[fill]!;
  const size = Buffer.byteLength(c);
  return c.repeat(Math.floor(Math.max(0, bytes) / size)) + 'a'.repeat(Math.max(0, bytes) % size);
}

describe('fuzzing Write, Read and ListSeries over gRPC on real processes', () => {
  let system: StrataSystem | undefined;
  const clients: grpc.Client[] = [];
  const connect = (address: string) => {
    const client = ownConnection(address);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    system = await StrataSystem.start({
      name: 'fuzz',
      baseEnv: process.env,
      keepDir: process.env['STRATA_SYSTEM_TESTS_KEEP'] === '1',
      ingestEnv: { STRATA_LOG_LEVEL: 'warn' },
    });
  }, 180_000);

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await system?.stop();
  }, 60_000);

  it('answers every body with a definite status, never dies, and stores exactly what it acknowledged', () =>
    system!.saveLogsOnFailure(async (sys) => {
      const writer = await sys.startWriter('writer', { env: { STRATA_LOG_LEVEL: 'warn' } });
      const reader = await sys.startReader('reader', { STRATA_COLD_ENABLED: 'false', STRATA_LOG_LEVEL: 'warn' });
      const ingest = connect(sys.ingest.grpcAddress);
      const query = connect(reader.grpcAddress);
      const now = Date.now();
      // What the identity runs acknowledged (sealed into DynamoDB by the end), and what every run did.
      const warmLedger = new AckLedger();
      const all = new AckLedger();
      const seen = new Map<string, number>();
      const count = (what: string, outcome: RawOutcome) => seen.set(`${what} ${outcomeCode(outcome)}`, (seen.get(`${what} ${outcomeCode(outcome)}`) ?? 0) + 1);
      const answer = (outcome: RawOutcome, allowed: readonly string[]) => {
        const code = outcomeCode(outcome);
        if (!allowed.includes(code)) throw new Error(`answered ${code}${outcome.ok ? '' : `: ${outcome.error.details}`}; allowed ${allowed.join(' | ')}`);
        return code;
      };

      // 1. Identities at every boundary: ingest's verdict is the model's, and what it accepts seals.
      let identityRun = 0;
      await fc.assert(
        fc.asyncProperty(identityArb, async ({ nameLength, labelCount, labelNameLength, values, keyDelta, fill }) => {
          const run = identityRun++;
          const labels = Array.from({ length: labelCount }, (_, i) => ({
            name: `l${String(i).padStart(2, '0')}${'n'.repeat(Math.max(0, labelNameLength - 3))}`,
            value: values[i % values.length]!,
          }));
          const name = 'B'.repeat(nameLength);
          const last = labels.at(-1);
          if (keyDelta !== null && last) {
            last.value = '';
            last.value = filledValue(MAX_SERIES_KEY_BYTES + keyDelta - seriesKeyBytes(name, labels), fill);
          }
          const series: Series = { name, labels, points: [{ timestampMs: now - 10 * WINDOW_MS - run, value: run }] };
          const request = { series: [series] };
          const outcome = await unaryRaw(ingest, METHODS.write, Buffer.from(WriteRequest.encode(request).finish()), sys.apiKey);
          count('identity', outcome);
          if (answer(outcome, ['OK']) !== 'OK' || !outcome.ok) return;
          const response = WriteResponse.decode(outcome.messages[0]!);
          const expected = identityVerdict(series);
          seen.set(`identity verdict ${expected ?? 'accepted'}`, (seen.get(`identity verdict ${expected ?? 'accepted'}`) ?? 0) + 1);
          expect({ key: `${seriesKeyBytes(series.name, labels)} bytes`, code: response.rejections[0]?.code }).toEqual({ key: `${seriesKeyBytes(series.name, labels)} bytes`, code: expected });
          expect(response.accepted).toBe(expected ? 0 : 1);
          warmLedger.recordAnswer(sys.tenant, request, response);
          all.recordAnswer(sys.tenant, request, response);
        }),
        { seed: SEED, numRuns: 300 },
      );

      // 2. Mutated Write bodies, with the key and without.
      await fc.assert(
        fc.asyncProperty(writeRequestArb(now), fc.array(mutationArb, { maxLength: 3 }), fc.boolean(), async (base, mutations, withKey) => {
          const body = mutations.reduce(mutate, Buffer.from(WriteRequest.encode(base).finish()));
          const outcome = await unaryRaw(ingest, METHODS.write, body, withKey ? sys.apiKey : undefined);
          count(withKey ? 'write' : 'keyless write', outcome);
          answer(outcome, withKey ? TENANT_ANSWERS : KEYLESS_ANSWERS);
          if (!outcome.ok) return;
          // Ingest acknowledged it: it must be a WriteRequest, every acknowledged series storable.
          let decoded: WriteRequest;
          try {
            decoded = WriteRequest.decode(body);
          } catch (error) {
            throw new Error(`ingest acknowledged a body that is no WriteRequest (${(error as Error).message}): ${body.toString('hex').slice(0, 200)}`);
          }
          const response = WriteResponse.decode(outcome.messages[0]!);
          const unstable = response.rejections.filter((r) => !STABLE_REJECTIONS.has(r.code) || r.seriesIndex < 0);
          if (unstable.length > 0) throw new Error(`rejections not stable or not per series: ${JSON.stringify(unstable.slice(0, 3))}`);
          const refused = new Set(response.rejections.filter((r) => r.pointIndex === -1).map((r) => r.seriesIndex));
          decoded.series.forEach((s, i) => {
            if (refused.has(i) || s.points.length === 0) return;
            if (seriesKeyBytes(s.name, s.labels) > MAX_SERIES_KEY_BYTES) throw new Error(`accepted a series key of ${seriesKeyBytes(s.name, s.labels)} bytes: ${seriesKey(s.name, s.labels).slice(0, 100)}…`);
            if (identityVerdict(s) !== undefined) throw new Error(`accepted ${JSON.stringify(s.name)} that the model refuses with ${identityVerdict(s)}`);
          });
          all.recordAnswer(sys.tenant, decoded, response);
        }),
        { seed: SEED, numRuns: 1_500 },
      );

      // 3. Mutated Read bodies.
      // Mostly valid requests (selectors of series that exist, sane ranges), so that the
      // mutations start from bodies the reader would answer, and some anything at all.
      const selectorArb = fc.oneof(
        { arbitrary: fc.record({ name: fc.constantFrom('B', 'BB', 'disk.used', 'a'), labels: fc.constant<Label[]>([]) }), weight: 3 },
        { arbitrary: fc.record({ name: fc.string({ maxLength: 20, unit: 'binary' }), labels: fc.array(fc.record({ name: fc.string({ maxLength: 8 }), value: fc.string({ maxLength: 8 }) }), { maxLength: 2 }) }), weight: 1 },
      );
      const readArb = fc.record({
        series: fc.array(selectorArb, { maxLength: 3 }),
        fromMs: fc.oneof({ arbitrary: fc.integer({ min: now - 3 * 86_400_000, max: now }), weight: 3 }, { arbitrary: fc.integer({ min: -(2 ** 45), max: 2 ** 45 }), weight: 1 }),
        span: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 3 * 86_400_000 }), weight: 3 }, { arbitrary: fc.integer({ min: -(2 ** 45), max: 2 ** 45 }), weight: 1 }),
        stepMs: fc.oneof(fc.constant(0), fc.constantFrom(60_000, 300_000, 3_600_000), fc.integer({ min: -1_000, max: 86_400_000 }), fc.constantFrom(1, 2 ** 40)),
        aggregation: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 5 }), weight: 3 }, { arbitrary: fc.integer({ min: -3, max: 9 }), weight: 1 }),
      });
      await fc.assert(
        fc.asyncProperty(readArb, fc.array(mutationArb, { maxLength: 3 }), fc.boolean(), async (r, mutations, withKey) => {
          const base = ReadRequest.encode({ matchers: [], series: r.series, fromMs: r.fromMs, toMs: r.fromMs + r.span, stepMs: r.stepMs, aggregation: r.aggregation }).finish();
          const body = mutations.reduce(mutate, Buffer.from(base));
          const outcome = await serverStreamRaw(query, METHODS.read, body, withKey ? sys.apiKey : undefined, { keepMessages: 0 });
          count(withKey ? 'read' : 'keyless read', outcome);
          answer(outcome, withKey ? TENANT_ANSWERS : KEYLESS_ANSWERS);
        }),
        { seed: SEED, numRuns: 800 },
      );

      // 4. Globs and mutated ListSeries bodies.
      const globArb = fc.oneof(fc.string({ maxLength: 300, unit: 'binary' }), fc.stringMatching(/^[*?a-z.[\]\\]{0,300}$/));
      await fc.assert(
        fc.asyncProperty(globArb, fc.array(mutationArb, { maxLength: 2 }), fc.boolean(), async (match, mutations, withKey) => {
          const body = mutations.reduce(mutate, Buffer.from(ListSeriesRequest.encode({ match, matchers: [], fromMs: 0, toMs: 0 }).finish()));
          const outcome = await unaryRaw(query, METHODS.listSeries, body, withKey ? sys.apiKey : undefined);
          count(withKey ? 'list' : 'keyless list', outcome);
          answer(outcome, withKey ? TENANT_ANSWERS : KEYLESS_ANSWERS);
        }),
        { seed: SEED, numRuns: 600 },
      );

      process.stdout.write(`[fuzz] answers: ${JSON.stringify(Object.fromEntries([...seen].sort()), null, 1)}\n`);
      for (const service of [sys.ingest, writer, reader]) expect([service.name, service.running]).toEqual([service.name, true]);

      // Everything acknowledged reached the tiers, and nothing else did: every point in Redis
      // or DynamoDB, and the identity runs' points (their windows long due, their names
      // upper case, which the mutated bodies' never are) sealed into DynamoDB.
      expect(warmLedger.acknowledgedPoints).toBeGreaterThan(40);
      await sys.waitForCatchUp(60_000);
      const union = await sys.waitForLedger(all, { timeoutMs: 60_000 });
      expect(describeCheck(union)).toBe(`all ${all.acknowledgedPoints} acknowledged points present, nothing extra`);
      const identityOnly = await sys.waitForLedger(warmLedger, { tier: 'warm', timeoutMs: 120_000 }).catch((error: Error) => error);
      expect(identityOnly instanceof Error ? identityOnly.message : 'sealed').toBe('sealed');
      expect(await sys.metric(writer, 'strata_writer_quarantined_windows_total')).toBe(0);
    }),
  600_000);
});
