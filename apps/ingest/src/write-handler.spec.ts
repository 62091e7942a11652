import fc from 'fast-check';
import { MAX_SERIES_KEY_BYTES, MAX_TENANT_BYTES, seriesKey, type Label } from '@strata/model';
import { dueMember, parseDueMember } from '@strata/storage/hot';
import { dayIndexSortKey, warmPartitionKey } from '@strata/storage/warm';
import {
  decodePointsAppended,
  encodeSeriesRecords,
  LogUnavailableError,
  MIN_MAX_MESSAGE_BYTES,
  RecordTooLargeError,
  recordLimitsFor,
  type PointLogRecord,
} from '@strata/stream';
import { RateLimitedError, RequestTooLargeError } from './errors';
import { NOW, handlerHarness } from '../test/handler-harness';

const minuteAgo = NOW - 60_000;

describe('WriteHandler', () => {
  it('appends one record per valid series and lists every refused point', async () => {
    const { handler, log } = handlerHarness();
    const response = await handler.write('acme', {
      series: [
        {
          name: 'cpu',
          labels: [{ name: 'host', value: 'b' }, { name: 'dc', value: 'x' }],
          points: [
            { timestampMs: minuteAgo, value: 1 },
            { timestampMs: minuteAgo + 1, value: NaN },
            { timestampMs: NOW + 86_400_000, value: 2 },
          ],
        },
        { name: 'bad name!', labels: [], points: [{ timestampMs: minuteAgo, value: 1 }] },
        { name: 'mem', labels: [], points: [{ timestampMs: minuteAgo, value: 3 }] },
      ],
    });
    expect(response.accepted).toBe(2);
    expect(response.rejections.map((r) => [r.seriesIndex, r.pointIndex, r.code])).toEqual([
      [0, 1, 'NON_FINITE_VALUE'],
      [0, 2, 'TOO_FAR_IN_FUTURE'],
      [1, -1, 'INVALID_NAME'],
    ]);
    expect(log.records.map((r) => r.key)).toEqual(['acme/cpu{dc="x",host="b"}', 'acme/mem']);
    expect(decodePointsAppended(log.records[0].value)).toEqual({
      tenant: 'acme',
      series: {
        name: 'cpu',
        labels: [{ name: 'dc', value: 'x' }, { name: 'host', value: 'b' }],
        points: [{ timestampMs: minuteAgo, value: 1 }],
      },
      acceptedAtMs: NOW,
    });
  });

  it('applies a tenant retention override', async () => {
    const { handler } = handlerHarness();
    const twoDaysAgo = { name: 'm', labels: [], points: [{ timestampMs: NOW - 2 * 86_400_000, value: 1 }] };
    expect((await handler.write('acme', { series: [twoDaysAgo] })).accepted).toBe(1);
    const refused = await handler.write('short', { series: [twoDaysAgo] });
    expect(refused.accepted).toBe(0);
    expect(refused.rejections[0].code).toBe('TOO_OLD');
  });

  it('refuses a request over the points limit as a whole, storing nothing', async () => {
    const { handler, log } = handlerHarness({ maxPointsPerRequest: 2 });
    const points = [0, 1, 2].map((i) => ({ timestampMs: minuteAgo + i, value: i }));
    await expect(handler.write('acme', { series: [{ name: 'm', labels: [], points }] })).rejects.toThrow(RequestTooLargeError);
    expect(log.records).toHaveLength(0);
  });

  it('refuses a tenant over its rate, storing nothing, and names the retry delay', async () => {
    const { handler, log } = handlerHarness({ tenantPointsPerSecond: 1, tenantBurstPoints: 2 });
    const series = { name: 'm', labels: [], points: [{ timestampMs: minuteAgo, value: 1 }, { timestampMs: minuteAgo + 1, value: 1 }] };
    await handler.write('acme', { series: [series] });
    const error = await handler.write('acme', { series: [series] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).message).toMatch(/retry in 2000 ms/);
    expect(log.records).toHaveLength(1);
  });

  it('takes the rate for every point carried when a front door reserves it before decoding, and not again', async () => {
    const { handler, log } = handlerHarness({ tenantPointsPerSecond: 1, tenantBurstPoints: 3 });
    const series = { name: 'm', labels: [], points: [{ timestampMs: minuteAgo, value: 1 }, { timestampMs: minuteAgo + 1, value: Number.NaN }] };
    handler.reserveRate('acme', 2); // the invalid point counts too: it was carried and checked
    expect((await handler.write('acme', { series: [series] }, { rateReserved: true })).accepted).toBe(1);
    handler.reserveRate('acme', 1); // the third token: write() above took none
    expect(() => handler.reserveRate('acme', 1)).toThrow(RateLimitedError);
    expect(() => handler.reserveRate('other', 3)).not.toThrow(); // per tenant
    expect(log.records).toHaveLength(1);
  });

  it('reports nothing accepted when the log is unavailable', async () => {
    const { handler, log, registry } = handlerHarness();
    log.failing = true;
    await expect(
      handler.write('acme', { series: [{ name: 'm', labels: [], points: [{ timestampMs: minuteAgo, value: 1 }] }] }),
    ).rejects.toThrow(LogUnavailableError);
    expect(await registry.getSingleMetricAsString('strata_ingest_points_accepted_total')).not.toMatch(/tenant="acme"/);
  });

  it('counts accepted and refused points by tenant and code', async () => {
    const { handler, registry } = handlerHarness();
    await handler.write('acme', {
      series: [{ name: 'm', labels: [], points: [{ timestampMs: minuteAgo, value: 1 }, { timestampMs: minuteAgo, value: Infinity }] }],
    });
    const text = await registry.metrics();
    expect(text).toContain('strata_ingest_points_accepted_total{tenant="acme"} 1');
    expect(text).toContain('strata_ingest_points_refused_total{tenant="acme",code="NON_FINITE_VALUE"} 1');
  });

  it('refuses new series over the tenant series limit and stores the other series of the request', async () => {
    const { handler, log, registry } = handlerHarness({}, { maxSeriesPerTenant: 2 });
    const at = (name: string, values: number[]) => ({
      name,
      labels: [],
      points: values.map((value, i) => ({ timestampMs: minuteAgo + i, value })),
    });
    await handler.write('acme', { series: [at('old', [1])] });
    const response = await handler.write('acme', {
      series: [at('new1', [1, NaN, 2]), at('new2', [3, NaN, 4]), at('old', [5]), at('bad name!', [6])],
    });
    expect(response.accepted).toBe(3);
    expect(response.rejections.map((r) => [r.seriesIndex, r.pointIndex, r.code])).toEqual([
      [0, 1, 'NON_FINITE_VALUE'],
      [1, -1, 'SERIES_LIMIT_EXCEEDED'],
      [1, 1, 'NON_FINITE_VALUE'],
      [3, -1, 'INVALID_NAME'],
    ]);
    expect(response.rejections[1].message).toMatch(/series new2 .* limit of 2 \(STRATA_MAX_SERIES_PER_TENANT\)/);
    expect(log.records.map((r) => r.key)).toEqual(['acme/old', 'acme/new1', 'acme/old']);
    // The refused series' valid points count as refused for the limit; its bad point for its own code.
    const text = await registry.getSingleMetricAsString('strata_ingest_points_refused_total');
    expect(text).toContain('strata_ingest_points_refused_total{tenant="acme",code="SERIES_LIMIT_EXCEEDED"} 2');
    expect(text).toContain('strata_ingest_points_refused_total{tenant="acme",code="NON_FINITE_VALUE"} 2');
  });

  it('refuses nothing for the series limit when every series is known', async () => {
    const { handler, seriesRegistry } = handlerHarness({}, { maxSeriesPerTenant: 1 });
    const request = { series: [{ name: 'm', labels: [], points: [{ timestampMs: minuteAgo, value: 1 }] }] };
    await handler.write('acme', request);
    const again = await handler.write('acme', request);
    expect(again).toEqual({ accepted: 1, rejections: [] });
    expect(seriesRegistry.roundTrips).toBe(1);
  });

  describe('records and keys within every tier', () => {
    const bigLimits = { maxPointsPerRequest: 200_000, tenantPointsPerSecond: 1_000_000, tenantBurstPoints: 1_000_000 };
    const noisy = (n: number) => Array.from({ length: n }, (_, i) => ({ timestampMs: minuteAgo - n + i, value: Math.random() * 1e9 }));

    it('splits a 100,000-point series over records of the log size, in order, in an append of its own', async () => {
      const { handler, log } = handlerHarness(bigLimits);
      Object.assign(log, { maxRecordBytes: 16_000 });
      const appends: Array<readonly PointLogRecord[]> = [];
      const append = log.append.bind(log);
      log.append = async (records) => {
        appends.push(records);
        return append(records);
      };
      const points = noisy(100_000);
      const response = await handler.write('acme', {
        series: [
          { name: 'small.a', labels: [], points: [points[0]] },
          { name: 'noise', labels: [{ name: 'host', value: 'h' }], points },
          { name: 'small.b', labels: [], points: [points[1]] },
        ],
      });
      expect(response).toEqual({ accepted: 100_002, rejections: [] });
      expect(appends.map((a) => new Set(a.map((r) => r.key)))).toEqual([new Set(['acme/small.a', 'acme/small.b']), new Set(['acme/noise{host="h"}'])]);
      const big = appends[1];
      expect(big.length).toBeGreaterThan(100);
      expect(Math.max(...big.map((r) => r.key.length + r.value.length))).toBeLessThanOrEqual(16_000);
      expect(big.flatMap((r) => decodePointsAppended(r.value).series!.points)).toEqual(points);
    });

    it('refuses only the series whose records the log refuses for size; the rest of the request is stored', async () => {
      const { handler, log, registry } = handlerHarness(bigLimits);
      Object.assign(log, { maxRecordBytes: 16_000 });
      const append = log.append.bind(log);
      log.append = async (records) => {
        if (records.length > 1 && records[0].key === 'acme/noise') throw new RecordTooLargeError(records[0].key, 70_000, 63_488);
        return append(records);
      };
      const response = await handler.write('acme', {
        series: [
          { name: 'ok', labels: [], points: [{ timestampMs: minuteAgo, value: 1 }] },
          { name: 'noise', labels: [], points: noisy(5_000) },
        ],
      });
      expect(response.accepted).toBe(1);
      expect(response.rejections.map((r) => [r.seriesIndex, r.pointIndex, r.code])).toEqual([[1, -1, 'RECORD_TOO_LARGE']]);
      expect(response.rejections[0].message).toMatch(/max\.message\.bytes/);
      expect(log.records.map((r) => r.key)).toEqual(['acme/ok']);
      expect(await registry.getSingleMetricAsString('strata_ingest_points_refused_total')).toContain('code="RECORD_TOO_LARGE"} 5000');
    });

    it('answers a size refusal of the shared append as unavailable (retriable), not as a refusal of the series', async () => {
      const { handler, log } = handlerHarness();
      log.append = async (records) => {
        throw new RecordTooLargeError(records[0].key, 70_000, 63_488);
      };
      const error = await handler.write('acme', { series: [{ name: 'm', labels: [], points: [{ timestampMs: minuteAgo, value: 1 }] }] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LogUnavailableError);
    });

    it('refuses an identity over the key limit with SERIES_KEY_TOO_LONG and stores the other series', async () => {
      const { handler, log } = handlerHarness();
      const long = { name: 'm', labels: [{ name: 'a', value: 'x'.repeat(1024) }, { name: 'b', value: 'y'.repeat(1024) }], points: [{ timestampMs: minuteAgo, value: 1 }] };
      const response = await handler.write('acme', { series: [long, { name: 'ok', labels: [], points: [{ timestampMs: minuteAgo, value: 1 }] }] });
      expect(response.accepted).toBe(1);
      expect(response.rejections.map((r) => [r.seriesIndex, r.code])).toEqual([[0, 'SERIES_KEY_TOO_LONG']]);
      expect(log.records.map((r) => r.key)).toEqual(['acme/ok']);
    });

    // Characters of every UTF-8 width and the ones key schemas escape or split on.
    const char = fc.oneof(
      fc.constantFrom('\u0000', '\n', '\\', '"', '#', '/', '{', '}', ',', '=', 'a'),
      fc.constantFrom('é', '€', '😀'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    );
    const identity = fc.record({
      name: fc.oneof(fc.constant('n'.repeat(255)), fc.stringMatching(/^[a-zA-Z0-9._:-]{1,255}$/)),
      labels: fc
        .uniqueArray(
          fc.record({
            name: fc.oneof(fc.constant('l'.repeat(128)), fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/)),
            value: fc.oneof(fc.string({ unit: char, minLength: 1, maxLength: 1024 }), fc.constant('€'.repeat(630)), fc.constant('😀'.repeat(470))),
          }),
          { maxLength: 32, selector: (l) => l.name },
        )
        .map((ls) => ls as Label[]),
    });

    it('never accepts an identity a tier would refuse: DynamoDB keys, due members, Kafka keys and records', async () => {
      const tenant = 't'.repeat(MAX_TENANT_BYTES);
      const minimumRecord = recordLimitsFor(MIN_MAX_MESSAGE_BYTES);
      await fc.assert(
        fc.asyncProperty(fc.array(identity, { minLength: 1, maxLength: 4 }), async (identities) => {
          const { handler, log } = handlerHarness();
          const series = identities.map((id) => ({ ...id, points: [{ timestampMs: minuteAgo, value: -1.5e300 }] }));
          const response = await handler.write(tenant, { series });
          expect(Number(response.accepted) + response.rejections.length).toBe(series.length);
          for (const record of log.records) {
            const event = decodePointsAppended(record.value);
            const key = seriesKey(event.series!.name, event.series!.labels);
            expect(record.key).toBe(`${tenant}/${key}`);
            expect(Buffer.byteLength(key)).toBeLessThanOrEqual(MAX_SERIES_KEY_BYTES);
            // DynamoDB: the warm partition key under 2,048 bytes; the day index's sort key is a 37-digit number.
            expect(Buffer.byteLength(warmPartitionKey(tenant, key))).toBeLessThanOrEqual(2_048);
            expect(dayIndexSortKey(tenant, key).length).toBeLessThanOrEqual(38);
            // Redis: a due member splits back into the same window.
            const window = { start: minuteAgo - (minuteAgo % 14_400_000), tenant, seriesKey: key };
            expect(parseDueMember(dueMember(window))).toEqual(window);
            // Kafka: one point of it fits a record even under the smallest broker limit Strata runs with.
            const [one] = encodeSeriesRecords(event, minimumRecord.recordBytes);
            expect(Buffer.byteLength(one.key) + one.value.length + 64).toBeLessThanOrEqual(minimumRecord.recordBytes);
          }
          for (const rejection of response.rejections) expect(['SERIES_KEY_TOO_LONG', 'INVALID_LABEL_VALUE']).toContain(rejection.code);
        }),
        { numRuns: 150 },
      );
    });
  });
});
