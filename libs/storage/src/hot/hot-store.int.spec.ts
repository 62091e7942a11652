import { randomUUID } from 'node:crypto';
import { createRedis } from './redis-client';
import { dueMember, hotKeys, seriesId } from './hot-keys';
import { RedisHotStore } from './hot-store';
import { RedisHotReader } from './hot-reader';
import { encodeChunk } from '../codec/chunk';
import { packedFieldName, PACKED_FIELD_MIN_POINTS } from './window-hash';
import { catalogDays, catalogKeyList, catalogKeys, RedisSeriesCatalog } from './series-catalog';

const HOUR = 3_600_000;

describe('RedisHotStore against a real Redis', () => {
  const redis = createRedis({ url: process.env['STRATA_REDIS_URL'] ?? 'redis://127.0.0.1:6379' });
  const store = new RedisHotStore(redis, { windowMs: 2 * HOUR, sealGraceMs: 60_000, retentionMs: 26 * HOUR });
  const reader = new RedisHotReader(redis, { windowMs: 2 * HOUR });
  const tenant = `t${randomUUID().slice(0, 8)}`;
  const partition = 1000 + Math.floor(Math.random() * 1_000_000);
  const start = 1_763_856_000_000; // a multiple of 2 h
  const seriesKey = 'cpu{host="a"}';
  const sid = seriesId(tenant, seriesKey);

  afterAll(async () => {
    await redis.del(hotKeys.due(partition), hotKeys.lease(partition), ...catalogKeyList(tenant));
    await redis.del(hotKeys.open(sid, start), hotKeys.sealing(sid, start), hotKeys.packed(sid, start));
    redis.disconnect();
  });

  it('writes idempotently per timestamp, marks the window due and records the series in the catalogue with its days', async () => {
    const points = [{ timestampMs: start + 60_000, value: 1.25 }, { timestampMs: start, value: -0 }];
    const write = { tenant, seriesKey, index: catalogDays(points), points };
    await store.append(partition, [write]);
    await store.append(partition, [write]);
    await store.append(partition, [{ ...write, points: [{ timestampMs: start + 60_000, value: 2.5 }] }]);
    expect(await redis.hlen(hotKeys.open(sid, start))).toBe(2);
    expect(await store.dueWindows(partition, start + 2 * HOUR + 60_000, 10)).toEqual([{ tenant, seriesKey, start }]);
    expect(await store.dueWindows(partition, start + 2 * HOUR + 59_999, 10)).toEqual([]);
    // The seal round's first read agrees at the same instants; an empty partition is 0 and 0.
    expect(await store.dueCounts([partition, partition + 1_000], start + 2 * HOUR + 60_000)).toEqual([{ due: 1, waiting: 1 }, { due: 0, waiting: 0 }]);
    expect(await store.dueCounts([partition], start + 2 * HOUR + 59_999)).toEqual([{ due: 0, waiting: 1 }]);
    const catalog = new RedisSeriesCatalog(redis);
    const day = Math.floor(start / 86_400_000);
    expect(await catalog.changes(tenant, 0, 10)).toEqual({ entries: [{ seriesKey, oldestDay: day, newestDay: day }], lastSeq: 1 });
    // Writing the same days again is no change; a later day is one.
    await store.append(partition, [{ ...write, points: [{ timestampMs: start + 60_000, value: 2.5 }], index: { oldestDay: day, newestDay: day + 1 } }]);
    expect(await catalog.changes(tenant, 1, 10)).toEqual({ entries: [{ seriesKey, oldestDay: day, newestDay: day + 1 }], lastSeq: 2 });
    expect(await catalog.position(tenant)).toMatchObject({ seq: 2 });
    // The position and the changes in one round trip: the same answers as the two calls.
    const position = await catalog.position(tenant);
    expect(await catalog.read(tenant, 0, 10)).toEqual({ position, entries: [{ seriesKey, oldestDay: day, newestDay: day + 1 }], lastSeq: 2 });
    expect(await catalog.read(tenant, 2, 10)).toEqual({ position, entries: [], lastSeq: 2 });
    expect(await catalog.read(`${tenant}-none`, 0, 10)).toEqual({ position: { epoch: null, seq: 0 }, entries: [], lastSeq: 0 });
    // A member missing from the days (removed by hand) is passed over, its sequence still read.
    await redis.zrem(catalogKeys.newest(tenant), seriesKey);
    expect(await catalog.read(tenant, 0, 10)).toEqual({ position, entries: [], lastSeq: 2 });
  });

  it('writes a record of 300,000 points of one window and 20,000 new series in one batch, plain and as a replay', async () => {
    // One HSET of 600,000 arguments is past what a JavaScript call can spread: without the
    // slicing, append throws RangeError and the writer's batch fails for ever.
    const big = `big{x="${randomUUID().slice(0, 8)}"}`;
    const bigSid = seriesId(tenant, big);
    const crowd = `t${randomUUID().slice(0, 8)}`;
    const p = partition + 1;
    const points = Array.from({ length: 300_000 }, (_, i) => ({ timestampMs: start + i, value: i }));
    const series = Array.from({ length: 20_000 }, (_, i) => ({ tenant: crowd, seriesKey: `s${i}`, index: { oldestDay: 1, newestDay: 1 }, points: [{ timestampMs: start, value: i }], offset: 7 }));
    try {
      await store.append(p, [{ tenant, seriesKey: big, points, offset: 5 }, ...series]);
      // A record of this size is one packed field (window-hash.ts), not a field per point.
      expect(await redis.hkeys(hotKeys.open(bigSid, start))).toEqual([packedFieldName(5)]);
      const valuesAt = async (at: readonly number[]) => {
        const read = await reader.read(tenant, big, start, start + 2 * HOUR);
        expect(read.timestamps.length).toBe(300_000);
        return at.map((i) => read.values[i]);
      };
      expect(await valuesAt([0, 8191, 8192, 299_999])).toEqual([0, 8191, 8192, 299_999]);
      expect(await redis.zcard(catalogKeys.newest(crowd))).toBe(20_000);
      expect(await redis.zcard(catalogKeys.feed(crowd))).toBe(20_000);
      expect(await redis.zcard(hotKeys.due(p))).toBe(20_001);
      // A replay of an older record changes nothing; of a newer one, every point.
      const replay = new RedisHotStore(redis, { windowMs: 2 * HOUR, sealGraceMs: 60_000, retentionMs: 26 * HOUR });
      await replay.append(p, [{ tenant, seriesKey: big, points: points.map((pt) => ({ ...pt, value: -1 })), offset: 4 }], { ifNewer: true });
      expect(await valuesAt([0, 8191, 8192, 299_999])).toEqual([0, 8191, 8192, 299_999]);
      await replay.append(p, [{ tenant, seriesKey: big, points: points.map((pt) => ({ ...pt, value: -1 })), offset: 6 }], { ifNewer: true });
      expect(await valuesAt([0, 8191, 8192, 299_999])).toEqual([-1, -1, -1, -1]);
    } finally {
      await redis.del(hotKeys.open(bigSid, start), hotKeys.replayed(bigSid, start), hotKeys.due(p), hotKeys.unsealedFrom(p), ...catalogKeyList(crowd));
      for (let i = 0; i < series.length; i += 1_000) await redis.del(...series.slice(i, i + 1_000).map((s) => hotKeys.open(seriesId(crowd, s.seriesKey), start)));
    }
  });

  it('seals: hands over the latest points bit-exactly, then keeps the window packed and not due', async () => {
    const window = { tenant, seriesKey, start };
    const input = await store.beginSeal(window);
    expect(input.packed).toBeNull();
    expect(input.points).toEqual([{ timestampMs: start, value: -0 }, { timestampMs: start + 60_000, value: 2.5 }]);
    expect(Object.is(input.points[0].value, -0)).toBe(true);
    // A point arriving mid-seal goes to a fresh open hash and keeps the window due.
    await store.append(partition, [{ tenant, seriesKey, points: [{ timestampMs: start + 120_000, value: 7 }] }]);
    await store.finishSeal(window, partition, Buffer.from('chunk-bytes'), start + 3 * HOUR);
    expect((await redis.getBuffer(hotKeys.packed(sid, start)))?.toString()).toBe('chunk-bytes');
    expect(await redis.exists(hotKeys.sealing(sid, start))).toBe(0);
    expect(await redis.pttl(hotKeys.packed(sid, start))).toBeGreaterThan(3_600_000 - 5_000);
    expect(await store.backlog(partition)).toBe(1);

    const second = await store.beginSeal(window);
    expect(second.points).toEqual([{ timestampMs: start + 120_000, value: 7 }]);
    expect(Buffer.from(second.packed!.chunk).toString()).toBe('chunk-bytes'); // a copy without seal offset
    expect(second.packed!.sealOffset).toBeUndefined();
    await store.finishSeal(window, partition, Buffer.from('chunk-bytes-2'), start + 3 * HOUR);
    expect(await store.backlog(partition)).toBe(0);
  });

  it('with a reseal delay, marks a window past its due time and within the retention due once, the delay after its first late point, also after a seal', async () => {
    let now = start + 10 * HOUR; // the window (2 h + 60 s grace) is long past due
    const delayed = new RedisHotStore(redis, { windowMs: 2 * HOUR, sealGraceMs: 60_000, retentionMs: 26 * HOUR, resealDelayMs: 30_000, now: () => now });
    const p = partition + 7;
    const late = `late{run="${randomUUID().slice(0, 8)}"}`;
    const lateSid = seriesId(tenant, late);
    const score = (windowStart: number) => redis.zscore(hotKeys.due(p), dueMember({ tenant, seriesKey: late, start: windowStart })).then((v) => (v === null ? null : Number(v)));
    try {
      await delayed.append(p, [{ tenant, seriesKey: late, points: [{ timestampMs: start, value: 1 }], offset: 1 }]);
      expect(await delayed.dueWindows(p, now, 10)).toEqual([]);
      expect(await delayed.dueWindows(p, now + 30_000, 10)).toEqual([{ tenant, seriesKey: late, start }]);
      // More late points do not push the seal further away.
      now += 20_000;
      await delayed.append(p, [{ tenant, seriesKey: late, points: [{ timestampMs: start + 60_000, value: 2 }], offset: 2 }]);
      expect(await delayed.dueWindows(p, now + 10_000, 10)).toEqual([{ tenant, seriesKey: late, start }]);
      // A window not yet due is marked at its due time, as without the delay.
      const current = start + 10 * HOUR; // due at its end plus the grace, 2 h from now
      await delayed.append(p, [{ tenant, seriesKey: late, points: [{ timestampMs: current + 1, value: 3 }], offset: 3 }]);
      expect(await score(current)).toBe(current + 2 * HOUR + 60_000);
      // A window past the hot retention is read from DynamoDB only: due at once, so its points become readable.
      const old = start - 26 * HOUR;
      await delayed.append(p, [{ tenant, seriesKey: late, points: [{ timestampMs: old, value: 5 }], offset: 5 }]);
      expect(await score(old)).toBe(old + 2 * HOUR + 60_000);
      // Sealed, then a point arrived mid-seal: due again the delay after the seal, not at once.
      now += 10_000;
      const window = { tenant, seriesKey: late, start };
      await delayed.beginSeal(window);
      await delayed.append(p, [{ tenant, seriesKey: late, points: [{ timestampMs: start + 120_000, value: 4 }], offset: 4 }]);
      await delayed.finishSeal(window, p, Buffer.from('chunk'), now);
      expect(await score(start)).toBe(now + 30_000);
    } finally {
      const keys = await redis.keys(`*${lateSid}*`);
      await redis.del(hotKeys.due(p), hotKeys.unsealedFrom(p, 'strata-writer'), ...keys);
    }
  });

  it('repeats an interrupted seal without losing points', async () => {
    const window = { tenant, seriesKey, start };
    await store.append(partition, [{ tenant, seriesKey, points: [{ timestampMs: start + 180_000, value: 9 }] }]);
    await store.beginSeal(window); // the sealer dies here
    await store.append(partition, [{ tenant, seriesKey, points: [{ timestampMs: start + 240_000, value: 10 }] }]);
    const retry = await store.beginSeal(window);
    expect(retry.points.map((p) => p.value)).toEqual([9, 10]);
  });

  it('keeps a large record packed, lets later records win over it point by point, and seals the merge', async () => {
    const series = `packed{x="${randomUUID().slice(0, 8)}"}`;
    const packedSid = seriesId(tenant, series);
    const p = partition + 2;
    const n = PACKED_FIELD_MIN_POINTS * 4;
    // Unsorted, with a timestamp twice: the record's later value of it wins, as with point fields.
    const record = Array.from({ length: n }, (_, i) => ({ timestampMs: start + (n - 1 - i) * 1_000, value: n - 1 - i }));
    record.push({ timestampMs: start + 5_000, value: 55 });
    try {
      await store.append(p, [{ tenant, seriesKey: series, points: record, offset: 10 }]);
      // A record below the threshold is point fields; one of them rewrites a packed point.
      await store.append(p, [{ tenant, seriesKey: series, points: [{ timestampMs: start + 7_000, value: -7 }], offset: 11 }]);
      // A second large record, later still, overlaps the first by half.
      const overlap = Array.from({ length: n }, (_, i) => ({ timestampMs: start + (n / 2 + i) * 1_000, value: 1_000 + i }));
      await store.append(p, [{ tenant, seriesKey: series, points: overlap, offset: 12 }]);
      expect((await redis.hkeys(hotKeys.open(packedSid, start))).sort()).toEqual(['7000', packedFieldName(10), packedFieldName(12)]);
      const expected = Array.from({ length: n + n / 2 }, (_, i) => (i >= n / 2 ? 1_000 + i - n / 2 : i === 5 ? 55 : i === 7 ? -7 : i));
      const read = await reader.read(tenant, series, start, start + 2 * HOUR);
      expect(Array.from(read.timestamps)).toEqual(expected.map((_, i) => start + i * 1_000));
      expect(Array.from(read.values)).toEqual(expected);
      // The seal gets the same points, each with the offset of the record it came from.
      const input = await store.beginSeal({ tenant, seriesKey: series, start });
      expect(input.points.map((pt) => pt.value)).toEqual(expected);
      expect(input.points.map((pt) => pt.offset)).toEqual(expected.map((_, i) => (i >= n / 2 ? 12 : i === 7 ? 11 : 10)));
    } finally {
      await redis.del(hotKeys.open(packedSid, start), hotKeys.sealing(packedSid, start), hotKeys.due(p), hotKeys.unsealedFrom(p));
    }
  });

  it('packs a record per window: its windows with PACKED_FIELD_MIN_POINTS points or more as a packed field, the others as point fields', async () => {
    const series = `split{x="${randomUUID().slice(0, 8)}"}`;
    const splitSid = seriesId(tenant, series);
    const p = partition + 5;
    const next = start + 2 * HOUR;
    // In time order, exactly the threshold's points at the end of one window and one fewer at the start of the next.
    const packed = PACKED_FIELD_MIN_POINTS;
    const below = PACKED_FIELD_MIN_POINTS - 1;
    const points = [
      ...Array.from({ length: packed }, (_, i) => ({ timestampMs: next - (packed - i) * 1_000, value: i })),
      ...Array.from({ length: below }, (_, i) => ({ timestampMs: next + i * 1_000, value: 100 + i })),
    ];
    try {
      await store.append(p, [{ tenant, seriesKey: series, points, offset: 50 }]);
      expect(await redis.hkeys(hotKeys.open(splitSid, start))).toEqual([packedFieldName(50)]);
      expect(await redis.hlen(hotKeys.open(splitSid, next))).toBe(below);
      const read = await reader.read(tenant, series, start, next + 2 * HOUR);
      expect(Array.from(read.timestamps)).toEqual(points.map((pt) => pt.timestampMs));
      expect(Array.from(read.values)).toEqual(points.map((pt) => pt.value));
    } finally {
      await redis.del(hotKeys.open(splitSid, start), hotKeys.open(splitSid, next), hotKeys.due(p), hotKeys.unsealedFrom(p));
    }
  });

  it('packs a record as the record kind, or as one run with recordFields false (a rolling upgrade); both read and seal alike', async () => {
    const points = Array.from({ length: PACKED_FIELD_MIN_POINTS }, (_, i) => ({ timestampMs: start + i * 60_000, value: i / 4 }));
    const legacy = new RedisHotStore(redis, { windowMs: 2 * HOUR, sealGraceMs: 60_000, retentionMs: 26 * HOUR, recordFields: false });
    const p = partition + 6;
    const written: string[] = [];
    try {
      for (const [kind, writer] of [[0xf3, store], [0xf2, legacy]] as const) {
        const series = `kind{k="${kind}",x="${randomUUID().slice(0, 8)}"}`;
        const sid = seriesId(tenant, series);
        written.push(hotKeys.open(sid, start), hotKeys.sealing(sid, start));
        await writer.append(p, [{ tenant, seriesKey: series, points, offset: 70 }]);
        const value = await redis.hgetBuffer(hotKeys.open(sid, start), packedFieldName(70));
        expect(value?.[0]).toBe(kind);
        const read = await reader.read(tenant, series, start, start + 2 * HOUR);
        expect(Array.from(read.values)).toEqual(points.map((pt) => pt.value));
        const input = await store.beginSeal({ tenant, seriesKey: series, start });
        expect(input.points).toEqual(points.map((pt) => ({ ...pt, offset: 70 })));
      }
    } finally {
      await redis.del(...written, hotKeys.due(p), hotKeys.unsealedFrom(p));
    }
  });

  it("stores a packed log record's chunk as the same fields its points make: as it is in one window; decoded across windows, as a replay or for the runs kind", async () => {
    const legacy = new RedisHotStore(redis, { windowMs: 2 * HOUR, sealGraceMs: 60_000, retentionMs: 26 * HOUR, recordFields: false });
    const p = partition + 7;
    const next = start + 2 * HOUR;
    const run = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ timestampMs: from + i * 60_000, value: 20 + ((i * 7) % 13) / 100 }));
    const cases = [
      { name: 'one window', points: run(start + 5_000, 12), writer: store, ifNewer: false },
      { name: 'two windows', points: run(next - 4 * 60_000, 12), writer: store, ifNewer: false },
      { name: 'replay', points: run(start + 5_000, 12), writer: store, ifNewer: true },
      { name: 'runs kind', points: run(start + 5_000, 12), writer: legacy, ifNewer: false },
    ];
    const written: string[] = [];
    try {
      for (const { name, points, writer, ifNewer } of cases) {
        const hashes: Array<Array<[string, string]>> = [];
        for (const form of ['points', 'packed'] as const) {
          const series = `form{case="${name}",form="${form}",x="${randomUUID().slice(0, 8)}"}`;
          const formSid = seriesId(tenant, series);
          const keys = [hotKeys.open(formSid, start), hotKeys.open(formSid, next)];
          written.push(...keys, hotKeys.replayed(formSid, start), hotKeys.replayed(formSid, next));
          const bytes = encodeChunk(points);
          const packed = { bytes, count: points.length, firstMs: points[0].timestampMs, lastMs: points[points.length - 1].timestampMs };
          const write = form === 'points' ? { tenant, seriesKey: series, points, offset: 90 } : { tenant, seriesKey: series, points: [], packed, offset: 90 };
          await writer.append(p, [write], { ifNewer });
          const fields: Array<[string, string]> = [];
          for (const [i, key] of keys.entries()) {
            const hash = await redis.hgetallBuffer(key);
            for (const [field, value] of Object.entries(hash)) fields.push([`${i}:${field}`, value.toString('hex')]);
          }
          hashes.push(fields.sort());
          const read = await reader.read(tenant, series, start, next + 2 * HOUR);
          expect(Array.from(read.timestamps)).toEqual(points.map((pt) => pt.timestampMs));
          expect(Array.from(read.values)).toEqual(points.map((pt) => pt.value));
        }
        expect(hashes[0].length).toBeGreaterThan(0);
        expect(hashes[1]).toEqual(hashes[0]);
      }
    } finally {
      await redis.del(...written, hotKeys.due(p), hotKeys.unsealedFrom(p));
    }
  });

  it('merges the packed fields of a window once four of them overlapped others (rewrites), the newest record winning per point', async () => {
    const series = `rewritten{x="${randomUUID().slice(0, 8)}"}`;
    const mergedSid = seriesId(tenant, series);
    const p = partition + 3;
    const n = PACKED_FIELD_MIN_POINTS * 2;
    const rewrite = (offset: number) => Array.from({ length: n }, (_, i) => ({ timestampMs: start + i * 1_000, value: offset * 1_000 + i }));
    try {
      // Four records rewrite the same n points: three overlaps, no merge yet.
      for (let offset = 20; offset < 24; offset++) await store.append(p, [{ tenant, seriesKey: series, points: rewrite(offset), offset }]);
      await store.compacted();
      expect(await redis.hlen(hotKeys.open(mergedSid, start))).toBe(4);
      // The fifth overlaps too and calls for the merge: one field, named after offset 24.
      await store.append(p, [{ tenant, seriesKey: series, points: rewrite(24), offset: 24 }]);
      await store.compacted();
      expect(await redis.hkeys(hotKeys.open(mergedSid, start))).toEqual([packedFieldName(24)]);
      // A later record over the second half and n new points: kept apart, and it wins there.
      const last = Array.from({ length: n }, (_, i) => ({ timestampMs: start + (n / 2 + i) * 1_000, value: 25_000 + i }));
      await store.append(p, [{ tenant, seriesKey: series, points: last, offset: 25 }]);
      await store.compacted();
      expect((await redis.hkeys(hotKeys.open(mergedSid, start))).sort()).toEqual([packedFieldName(24), packedFieldName(25)]);
      const expected = Array.from({ length: n + n / 2 }, (_, i) => (i < n / 2 ? 24_000 + i : 25_000 + i - n / 2));
      const read = await reader.read(tenant, series, start, start + 2 * HOUR);
      expect(Array.from(read.values)).toEqual(expected);
      const input = await store.beginSeal({ tenant, seriesKey: series, start });
      expect(input.points.map((pt) => pt.offset)).toEqual(expected.map((_, i) => (i < n / 2 ? 24 : 25)));
      // The seal took k24 and k25 into the sealing hash: the merge that three more rewrites
      // call for (k24, k25 and theirs) finds them gone from the open hash and changes nothing.
      for (let offset = 30; offset < 33; offset++) await store.append(p, [{ tenant, seriesKey: series, points: rewrite(offset), offset }]);
      await store.compacted();
      expect((await redis.hkeys(hotKeys.open(mergedSid, start))).sort()).toEqual([30, 31, 32].map(packedFieldName));
      expect((await redis.hkeys(hotKeys.sealing(mergedSid, start))).sort()).toEqual([packedFieldName(24), packedFieldName(25)]);
      const after = await reader.read(tenant, series, start, start + 2 * HOUR);
      expect(Array.from(after.values)).toEqual([...rewrite(32).map((pt) => pt.value), ...expected.slice(n)]);
    } finally {
      await redis.del(hotKeys.open(mergedSid, start), hotKeys.sealing(mergedSid, start), hotKeys.due(p), hotKeys.unsealedFrom(p));
    }
  });

  it('leaves records over distinct spans apart until a window holds 64 of them, then merges them with their offsets as runs', async () => {
    const series = `backfill{x="${randomUUID().slice(0, 8)}"}`;
    const spanSid = seriesId(tenant, series);
    const p = partition + 4;
    const n = PACKED_FIELD_MIN_POINTS;
    const record = (r: number) => Array.from({ length: n }, (_, i) => ({ timestampMs: start + (r * n + i) * 100, value: r + i / 100 }));
    try {
      for (let r = 0; r < 63; r++) await store.append(p, [{ tenant, seriesKey: series, points: record(r), offset: 100 + r }]);
      await store.compacted();
      expect(await redis.hlen(hotKeys.open(spanSid, start))).toBe(63);
      await store.append(p, [{ tenant, seriesKey: series, points: record(63), offset: 163 }]);
      await store.compacted();
      expect(await redis.hkeys(hotKeys.open(spanSid, start))).toEqual([packedFieldName(163)]);
      const value = (await redis.hgetBuffer(hotKeys.open(spanSid, start), packedFieldName(163)))!;
      const input = await store.beginSeal({ tenant, seriesKey: series, start });
      // 64 runs of 64 points: a few hundred bytes of offsets besides the chunk, not an entry per point.
      const chunk = encodeChunk({ timestamps: input.points.map((pt) => pt.timestampMs), values: input.points.map((pt) => pt.value) });
      expect(value.length - chunk.length).toBeLessThan(64 * 8);
      expect(input.points.map((pt) => pt.value)).toEqual(Array.from({ length: 64 }, (_, r) => record(r).map((pt) => pt.value)).flat());
      expect(input.points.map((pt) => pt.offset)).toEqual(Array.from({ length: 64 * n }, (_, i) => 100 + Math.floor(i / n)));
    } finally {
      await redis.del(hotKeys.open(spanSid, start), hotKeys.sealing(spanSid, start), hotKeys.due(p), hotKeys.unsealedFrom(p));
    }
  });

  it('grants a partition lease to one owner at a time', async () => {
    expect(await store.acquireLease(partition, 'writer-a', 10_000)).toBe(true);
    expect(await store.acquireLease(partition, 'writer-b', 10_000)).toBe(false);
    expect(await store.acquireLease(partition, 'writer-a', 10_000)).toBe(true);
    await store.releaseLease(partition, 'writer-b');
    expect(await store.acquireLease(partition, 'writer-b', 10_000)).toBe(false);
    await store.releaseLease(partition, 'writer-a');
    expect(await store.acquireLease(partition, 'writer-b', 10_000)).toBe(true);
  });
});
