import { decodePointsAppended, LogUnavailableError } from '@strata/stream';
import { RateLimitedError, RequestTooLargeError } from './errors';
import { NOW, handlerHarness } from './test-support';

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
});
