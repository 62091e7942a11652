import { Registry } from 'prom-client';
import { EMPTY_COLUMNS } from '@strata/storage';
import { encodeChunk } from '@strata/storage/codec';
import { ChunkDecoderSwitch } from './chunk-decoder';
import { HotTierFailedError, ReadCancelledError } from './errors';
import { Fetcher } from './fetcher';
import { planRead } from './planner';
import { ReaderMetrics } from './reader-metrics';
import type { SeriesRef } from './read-request';
import type { TierAnswer, TierSource } from './tier-sources';
import { NOW, W } from '../test/reader-harness';

const ref = (key: string): SeriesRef => ({ key, name: key, labels: [] });
const plan = planRead(NOW - 3_600_000, NOW, { windowMs: W, hotRetentionMs: 26 * 3_600_000, futureGraceMs: 0 }, NOW);

/** A tier that answers each series after `delay(key)` ms with one point, and records concurrency. */
class SlowSource implements TierSource {
  inFlight = 0;
  maxInFlight = 0;
  readonly windowUnit = (windowMs: number) => ({ name: 'window', ms: windowMs });
  constructor(
    readonly tier: 'hot' | 'warm',
    private readonly delay: (key: string) => number,
    private readonly fail?: string,
    /** Shared between sources: fetches in flight over every tier. */
    private readonly all = { inFlight: 0, maxInFlight: 0 },
  ) {}

  async fetch(_tenant: string, seriesKey: string): Promise<TierAnswer> {
    this.inFlight++;
    this.all.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.all.maxInFlight = Math.max(this.all.maxInFlight, this.all.inFlight);
    await new Promise((r) => setTimeout(r, this.delay(seriesKey)));
    this.inFlight--;
    this.all.inFlight--;
    if (seriesKey === this.fail) throw new Error(`${this.tier} broke on ${seriesKey}`);
    const t = NOW - 1_000 - (this.tier === 'hot' ? 0 : 1);
    return { windows: [{ start: plan.tiers[0].fromStart, layers: [{ timestamps: Float64Array.of(t), values: Float64Array.of(1) }, EMPTY_COLUMNS] }] };
  }
}

function fetcher(hot: TierSource, warm: TierSource) {
  const metrics = new ReaderMetrics(new Registry());
  return new Fetcher({ sources: [hot, warm], decoder: new ChunkDecoderSwitch(undefined, 64), tierTimeoutMs: 1_000, metrics });
}

describe('Fetcher.fetchAll', () => {
  const keys = Array.from({ length: 12 }, (_, i) => `s${i}`);

  it('keeps at most `concurrency` series in flight and answers in request order', async () => {
    // Later series answer sooner, so completion order is the reverse of request order.
    const hot = new SlowSource('hot', (k) => 40 - Number(k.slice(1)) * 3);
    const warm = new SlowSource('warm', (k) => 40 - Number(k.slice(1)) * 3);
    const results = [];
    for await (const r of fetcher(hot, warm).fetchAll('t', keys.map(ref), plan, { concurrency: 3 })) results.push(r.ref.key);
    expect(results).toEqual(keys);
    expect(hot.maxInFlight).toBe(3);
    expect(warm.maxInFlight).toBe(3);
  });

  it('reads the tiers of one series at the same time', async () => {
    const all = { inFlight: 0, maxInFlight: 0 };
    const hot = new SlowSource('hot', () => 20, undefined, all);
    const warm = new SlowSource('warm', () => 20, undefined, all);
    for await (const r of fetcher(hot, warm).fetchAll('t', [ref('a'), ref('b')], plan, { concurrency: 1 })) {
      expect(r.columns.timestamps.length).toBe(2);
    }
    expect(all.maxInFlight).toBe(2);
  });

  it('fails the sequence on a hot failure, and reports a warm failure with the series', async () => {
    const hotBroken = fetcher(new SlowSource('hot', () => 1, 's2'), new SlowSource('warm', () => 1));
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const r of hotBroken.fetchAll('t', keys.map(ref), plan, { concurrency: 4 })) seen.push(r.ref.key);
      })(),
    ).rejects.toBeInstanceOf(HotTierFailedError);
    expect(seen).toEqual(['s0', 's1']);

    const warmBroken = fetcher(new SlowSource('hot', () => 1), new SlowSource('warm', () => 1, 's1'));
    const failures = [];
    for await (const r of warmBroken.fetchAll('t', keys.slice(0, 3).map(ref), plan, { concurrency: 2 })) failures.push(r.failures.map((f) => f.reason));
    expect(failures).toEqual([[], ['warm broke on s1'], []]);
  });

  it('stops starting series once the call is cancelled', async () => {
    const hot = new SlowSource('hot', () => 5);
    const abort = new AbortController();
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const r of fetcher(hot, new SlowSource('warm', () => 5)).fetchAll('t', keys.map(ref), plan, { concurrency: 2, signal: abort.signal })) {
          seen.push(r.ref.key);
          abort.abort();
        }
      })(),
    ).rejects.toBeInstanceOf(ReadCancelledError);
    expect(seen).toEqual(['s0']);
    expect(hot.maxInFlight).toBeLessThanOrEqual(2);
  });
});

describe('a warm chunk that is a copy of the packed hot chunk', () => {
  const start = plan.tiers[0].fromStart;
  const chunkOf = (values: number[]) => encodeChunk({ timestamps: values.map((_, i) => plan.fromMs + i * 1_000), values });
  const source = (tier: 'hot' | 'warm', layers: TierAnswer['windows'][number]['layers']): TierSource => ({
    tier,
    windowUnit: (windowMs: number) => ({ name: 'window', ms: windowMs }),
    fetch: async () => ({ windows: [{ start, layers }] }),
  });
  const read = async (hotChunk: Uint8Array, warmChunk: Uint8Array) => {
    const decoded: number[] = [];
    const decoder = { decodeAll: async (chunks: readonly Uint8Array[]) => (decoded.push(chunks.length), new ChunkDecoderSwitch(undefined, 64).decodeAll(chunks)) };
    const f = new Fetcher({ sources: [source('hot', [EMPTY_COLUMNS, EMPTY_COLUMNS, hotChunk]), source('warm', [warmChunk])], decoder, tierTimeoutMs: 1_000, metrics: new ReaderMetrics(new Registry()) });
    const result = await f.fetchSeries('t', ref('a'), plan);
    return { values: [...result.columns.values], decoded };
  };

  it('is not decoded again when its bytes are the same (a seal wrote both)', async () => {
    // Separate buffers with equal bytes, as Redis and DynamoDB return them.
    expect(await read(chunkOf([1, 2, 3]), Uint8Array.from(chunkOf([1, 2, 3])))).toEqual({ values: [1, 2, 3], decoded: [1] });
  });

  it('is decoded and merged under the hot chunk when any byte differs', async () => {
    // DynamoDB holds a point Redis lost (a restart before the packed copy was rewritten).
    expect(await read(chunkOf([1, 2]), chunkOf([9, 9, 3]))).toEqual({ values: [1, 2, 3], decoded: [2] });
  });
});
