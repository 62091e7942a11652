import { Registry } from 'prom-client';
import { DEFAULT_VALIDATION_LIMITS, seriesKey } from '@strata/model';
import { WriteRequest } from '@strata/proto';
import { createLogger, workerEntry } from '@strata/runtime';
import { MalformedRequestError, RequestTooLargeError } from './errors';
import { IngestMetrics } from './ingest-metrics';
import { prepareBody, type PreparationSettings } from './write-preparation';
import { WritePreparationPool } from './write-preparation-pool';
import { NOW, handlerHarness } from '../test/handler-harness';

const minuteAgo = NOW - 60_000;

/** Three series: one valid and large, one with bad points among good ones, one with a bad name. */
function mixedRequest(points: number): WriteRequest {
  return {
    series: [
      { name: 'big', labels: [{ name: 'z', value: '1' }, { name: 'a', value: '2' }], points: Array.from({ length: points }, (_, i) => ({ timestampMs: minuteAgo - i, value: i / 3 })) },
      {
        name: 'mixed',
        labels: [],
        points: [
          { timestampMs: minuteAgo, value: 1 },
          { timestampMs: minuteAgo, value: NaN },
          { timestampMs: NOW + 86_400_000, value: 2 },
        ],
      },
      { name: 'bad name!', labels: [], points: [{ timestampMs: minuteAgo, value: 1 }, { timestampMs: minuteAgo + 1, value: 2 }] },
    ],
  };
}

const encode = (request: WriteRequest) => Buffer.from(WriteRequest.encode(request).finish());

describe('WriteHandler.writeBody', () => {
  it('answers a raw body exactly as write() answers it decoded, with the same records', async () => {
    const request = mixedRequest(500);
    const decoded = handlerHarness();
    const raw = handlerHarness();
    const expected = await decoded.handler.write('acme', request);
    expect(await raw.handler.writeBody('acme', encode(request))).toEqual(expected);
    expect(raw.log.records).toEqual(decoded.log.records);
    for (const counter of ['pointsAccepted', 'pointsRefused'] as const) {
      expect((await raw.metrics[counter].get()).values).toEqual((await decoded.metrics[counter].get()).values);
    }
  });

  it('refuses a body that is not a WriteRequest, and one over the point limit, as the front door does', async () => {
    const { handler, log } = handlerHarness({ maxPointsPerRequest: 100 });
    await expect(handler.writeBody('acme', Buffer.from([0x0a, 0xff, 0xff, 0xff]))).rejects.toBeInstanceOf(MalformedRequestError);
    await expect(handler.writeBody('acme', encode(mixedRequest(200)))).rejects.toMatchObject({
      constructor: RequestTooLargeError,
      message: expect.stringContaining('request holds 205 points; the limit is 100 per request'),
    });
    expect(log.records).toHaveLength(0);
  });
});

describe('WritePreparationPool (worker threads started from the TypeScript sources)', () => {
  const metrics = new IngestMetrics(new Registry());
  const pool = new WritePreparationPool({
    entry: workerEntry(__dirname, 'write-preparation'),
    size: 2,
    minBytes: 64 * 1024,
    logger: createLogger({ service: 'spec', level: 'silent' }),
    metrics,
  });
  // Records of at most 4 KiB, so the large series is split over many.
  const settings: PreparationSettings = { tenant: 'acme', nowMs: NOW, limits: DEFAULT_VALIDATION_LIMITS, maxPointsPerRequest: 100_000, maxRecordBytes: 4096 };

  beforeAll(() => pool.start(), 30_000);
  afterAll(() => pool.stop());

  it('prepares in a worker exactly what prepares inline: rejections, counts and every record byte', async () => {
    const body = encode(mixedRequest(20_000));
    const inline = prepareBody(body, settings);
    const viaWorker = await pool.prepare(body, settings);
    expect(viaWorker).toEqual(inline);
    expect(viaWorker.kind === 'prepared' && viaWorker.valid[0].records.length).toBeGreaterThan(10);
    expect((await metrics.preparationSeconds.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value).toBe(1);
  });

  it('leaves a body that is a view on a larger buffer as it was', async () => {
    const body = encode(mixedRequest(100));
    const backing = Buffer.alloc(body.length + 200, 7);
    body.copy(backing, 100);
    const view = backing.subarray(100, 100 + body.length);
    expect(await pool.prepare(view, settings)).toEqual(prepareBody(body, settings));
    expect(backing.subarray(100, 100 + body.length)).toEqual(body);
    expect(backing[0]).toBe(7);
  });

  it('passes a malformed body and one over the point limit back as they are', async () => {
    const garbage = Buffer.from([0x0a, 0xff, 0xff, 0xff]);
    expect(await pool.prepare(garbage, settings)).toEqual(prepareBody(garbage, settings));
    expect(await pool.prepare(encode(mixedRequest(200)), { ...settings, maxPointsPerRequest: 100 })).toEqual({ kind: 'too-many-points', totalPoints: 205 });
  });

  it('takes bodies from its threshold up', () => {
    expect(pool.takes(64 * 1024 - 1)).toBe(false);
    expect(pool.takes(64 * 1024)).toBe(true);
  });
});

describe('prepared series keys', () => {
  it('carry the canonical series key, made once for the limiter and the log, escapes and all', () => {
    const labels = [{ name: 'z', value: 'q"uo\\te' }, { name: 'a', value: 'line\nbreak' }];
    const settings: PreparationSettings = { tenant: 'acme', nowMs: NOW, limits: DEFAULT_VALIDATION_LIMITS, maxPointsPerRequest: 1_000, maxRecordBytes: 1_000_000 };
    const prepared = prepareBody(encode({ series: [{ name: 'm', labels, points: [{ timestampMs: minuteAgo, value: 1 }] }] }), settings);
    if (prepared.kind !== 'prepared') throw new Error(prepared.kind);
    expect(prepared.valid[0].key).toBe(seriesKey('m', labels));
    expect(prepared.valid[0].records[0].key).toBe(`acme/${seriesKey('m', labels)}`);
  });
});
