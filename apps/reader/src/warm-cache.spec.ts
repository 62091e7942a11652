import { DAY_MS } from '@strata/storage';
import type { WarmChunk } from '@strata/storage/warm';
import { WARM_CACHE_MAX_WINDOWS, WarmChunkCache } from './warm-cache';

const W = 4 * 3_600_000;
const DAY = 20_000;
const day0 = DAY * DAY_MS;

/** A warm store of fixed chunks and a ledger whose tokens the test moves. */
function fixture(options: { maxBytes?: number; maxAgeMs?: number } = {}) {
  const chunks = new Map<string, WarmChunk[]>();
  const queries: Array<{ tenant: string; from: number; to: number; consistent?: boolean }> = [];
  const tokens = new Map<number, string>();
  let ledgerDown = false;
  let now = 1_000_000;
  const results: string[] = [];
  const store = {
    queryChunks: async (tenant: string, seriesKey: string, from: number, to: number, o: { consistent?: boolean; signal?: AbortSignal } = {}) => {
      queries.push({ tenant, from, to, ...(o.consistent !== undefined && { consistent: o.consistent }) });
      return (chunks.get(`${tenant}/${seriesKey}`) ?? []).filter((c) => c.start >= from && c.start <= to);
    },
  };
  const ledger = {
    dayTokens: async (_tenant: string, days: readonly number[]) => {
      if (ledgerDown) throw new Error('Redis unreachable');
      return new Map(days.map((d) => [d, tokens.get(d) ?? 'life/0']));
    },
  };
  const cache = new WarmChunkCache(store, ledger, { maxBytes: options.maxBytes ?? 1 << 20, ...(options.maxAgeMs !== undefined && { maxAgeMs: options.maxAgeMs }), now: () => now, onLookup: (r) => results.push(r) });
  const put = (tenant: string, seriesKey: string, start: number, bytes: number[]) => {
    const list = chunks.get(`${tenant}/${seriesKey}`) ?? [];
    const kept = list.filter((c) => c.start !== start);
    kept.push({ tenant, seriesKey, start, chunk: Uint8Array.from(bytes), count: bytes.length });
    kept.sort((a, b) => a.start - b.start);
    chunks.set(`${tenant}/${seriesKey}`, kept);
  };
  const starts = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i * W);
  const read = (tenant: string, seriesKey: string, windows: readonly number[], signal?: AbortSignal) => cache.queryChunks(tenant, seriesKey, windows[0], windows[windows.length - 1], W, signal);
  return {
    cache,
    read,
    queries,
    results,
    put,
    starts,
    setToken: (day: number, token: string) => tokens.set(day, token),
    setLedgerDown: (down: boolean) => (ledgerDown = down),
    advance: (ms: number) => (now += ms),
  };
}

const bytesOf = (windows: Array<{ start: number; chunk: Uint8Array }>) => windows.map((w) => [w.start, [...w.chunk]]);

describe('WarmChunkCache', () => {
  it('answers a range it holds from memory, windows without a chunk included, and queries strongly consistent on a miss', async () => {
    const f = fixture();
    f.put('acme', 'm', day0, [1, 2]);
    f.put('acme', 'm', day0 + 2 * W, [3]);
    const range = f.starts(day0, 4); // the second and fourth windows have no chunk
    const first = await f.read('acme', 'm', range);
    expect(bytesOf(first)).toEqual([[day0, [1, 2]], [day0 + 2 * W, [3]]]);
    expect(f.queries).toEqual([{ tenant: 'acme', from: day0, to: day0 + 3 * W, consistent: true }]);
    const second = await f.read('acme', 'm', range);
    expect(bytesOf(second)).toEqual(bytesOf(first));
    // A part of the range is held too.
    expect(bytesOf(await f.read('acme', 'm', range.slice(1, 3)))).toEqual([[day0 + 2 * W, [3]]]);
    expect(f.queries).toHaveLength(1);
    expect(f.results).toEqual(['miss', 'hit', 'hit']);
  });

  it("queries again once the ledger's token of a day moved (a seal into it was recorded), and only needs the moved day to have moved", async () => {
    const f = fixture();
    f.put('acme', 'm', day0 + 5 * W, [1]);
    f.put('acme', 'm', day0 + DAY_MS, [2]);
    const range = f.starts(day0 + 5 * W, 2); // the last window of DAY and the first of the next
    await f.read('acme', 'm', range);
    f.put('acme', 'm', day0 + DAY_MS, [2, 9]); // a re-seal of the next day's window
    expect(bytesOf(await f.read('acme', 'm', range))).toEqual([[day0 + 5 * W, [1]], [day0 + DAY_MS, [2]]]); // not recorded yet
    f.setToken(DAY + 1, 'life/1');
    expect(bytesOf(await f.read('acme', 'm', range))).toEqual([[day0 + 5 * W, [1]], [day0 + DAY_MS, [2, 9]]]);
    expect(f.results).toEqual(['miss', 'hit', 'miss']);
    // A new life token (Redis lost the ledger) is a move too, even with the same count.
    f.setToken(DAY, 'other-life/0');
    await f.read('acme', 'm', range);
    expect(f.results.at(-1)).toBe('miss');
  });

  it('queries a range wider than what it holds, and keeps every window of it', async () => {
    const f = fixture();
    f.put('acme', 'm', day0, [1]);
    await f.read('acme', 'm', f.starts(day0, 2));
    await f.read('acme', 'm', f.starts(day0, 3));
    await f.read('acme', 'm', f.starts(day0, 3));
    expect(f.results).toEqual(['miss', 'miss', 'hit']);
  });

  it('keeps tenants and series apart', async () => {
    const f = fixture();
    f.put('acme', 'm', day0, [1]);
    f.put('other', 'm', day0, [7]);
    f.put('acme', 'n', day0, [8]);
    await f.read('acme', 'm', [day0]);
    expect(bytesOf(await f.read('other', 'm', [day0]))).toEqual([[day0, [7]]]);
    expect(bytesOf(await f.read('acme', 'n', [day0]))).toEqual([[day0, [8]]]);
    expect(f.results).toEqual(['miss', 'miss', 'miss']);
  });

  it('trusts an entry for at most its maximum age', async () => {
    const f = fixture({ maxAgeMs: 1_000 });
    f.put('acme', 'm', day0, [1]);
    await f.read('acme', 'm', [day0]);
    f.advance(1_000);
    await f.read('acme', 'm', [day0]);
    f.advance(1_001);
    await f.read('acme', 'm', [day0]);
    expect(f.results).toEqual(['miss', 'hit', 'miss']);
  });

  it('queries DynamoDB as without a cache, keeping nothing, while the ledger cannot be read', async () => {
    const f = fixture();
    f.put('acme', 'm', day0, [1]);
    f.setLedgerDown(true);
    expect(bytesOf(await f.read('acme', 'm', [day0]))).toEqual([[day0, [1]]]);
    expect(f.queries).toEqual([{ tenant: 'acme', from: day0, to: day0 }]);
    f.setLedgerDown(false);
    await f.read('acme', 'm', [day0]);
    expect(f.results).toEqual(['bypass', 'miss']);
  });

  it('holds at most its bytes, the oldest used going first', async () => {
    const f = fixture({ maxBytes: 2 * (160 + 100) });
    for (const key of ['a', 'b', 'c']) f.put('acme', key, day0, new Array<number>(100).fill(1));
    await f.read('acme', 'a', [day0]);
    await f.read('acme', 'b', [day0]);
    await f.read('acme', 'a', [day0]); // a is now the most recently used
    await f.read('acme', 'c', [day0]); // b goes
    expect(f.cache.bytes).toBeLessThanOrEqual(2 * (160 + 100));
    await f.read('acme', 'a', [day0]);
    await f.read('acme', 'b', [day0]);
    expect(f.results).toEqual(['miss', 'miss', 'hit', 'miss', 'hit', 'miss']);
  });

  it("keeps its own copy of a chunk, not the store's buffer", async () => {
    const f = fixture();
    f.put('acme', 'm', day0, [1, 2, 3]);
    const [first] = await f.read('acme', 'm', [day0]);
    first.chunk.fill(0); // whoever got the store's bytes may reuse them
    const [held] = await f.read('acme', 'm', [day0]);
    expect([...held.chunk]).toEqual([1, 2, 3]);
  });

  it('queries a range of more windows than it takes as without a cache, keeping nothing', async () => {
    const f = fixture();
    f.put('acme', 'm', day0, [1]);
    const wide = f.starts(day0, WARM_CACHE_MAX_WINDOWS + 1);
    expect(bytesOf(await f.read('acme', 'm', wide))).toEqual([[day0, [1]]]);
    expect(f.queries).toEqual([{ tenant: 'acme', from: day0, to: wide[wide.length - 1] }]);
    expect(f.cache.bytes).toBe(0);
    await f.read('acme', 'm', f.starts(day0, WARM_CACHE_MAX_WINDOWS));
    expect(f.results).toEqual(['wide', 'miss']);
  });

  it('starts no Query once the read was cancelled', async () => {
    const f = fixture();
    const controller = new AbortController();
    controller.abort(new Error('client went away'));
    await expect(f.read('acme', 'm', [day0], controller.signal)).rejects.toThrow('client went away');
    expect(f.queries).toHaveLength(0);
  });
});
