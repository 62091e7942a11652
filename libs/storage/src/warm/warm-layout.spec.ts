import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { encodeChunk } from '../codec/chunk';
import { assembleWindow, canonicalPartKey, lastPartSortKey, parseSortKey, partSortKey, WARM_ITEM_PAYLOAD_BYTES, windowGeneration, windowItems } from './warm-layout';

type Item = Record<string, AttributeValue>;
const START = 1_785_000_000_000;
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const partsOf = (items: Item[]) => new Map(items.slice(1).map((i) => [canonicalPartKey(i['sk'].N!), i]));

describe('warm item layout', () => {
  it('keeps a window that fits in one item exactly as before (c, n, so, po)', () => {
    const items = windowItems('acme#cpu', { start: START, chunk: bytes(10, 1), count: 3, sealOffset: 9, pointOffsets: new Map([[START, 12]]) });
    expect(items).toHaveLength(1);
    expect(Object.keys(items[0]).sort()).toEqual(['c', 'n', 'pk', 'po', 'sk', 'so']);
    expect(items[0]['sk'].N).toBe(String(START));
  });

  it.each([WARM_ITEM_PAYLOAD_BYTES + 1, 3 * WARM_ITEM_PAYLOAD_BYTES, 3 * WARM_ITEM_PAYLOAD_BYTES + 7])('splits a %i-byte chunk and joins it back byte for byte', (n) => {
    const chunk = bytes(n, 5);
    const items = windowItems('acme#cpu', { start: START, chunk, count: 1, sealOffset: 3, pointOffsets: new Map([[START + 1, 4]]) });
    expect(items).toHaveLength(Math.ceil((n + 4) / WARM_ITEM_PAYLOAD_BYTES));
    for (const item of items) expect(item['c'].B!.length).toBeLessThanOrEqual(WARM_ITEM_PAYLOAD_BYTES);
    const window = assembleWindow(items[0], partsOf(items))!;
    expect(Buffer.from(window.chunk).equals(Buffer.from(chunk))).toBe(true);
    expect(window.offsets).toBeDefined();
  });

  it('never joins parts of another generation, and reports a missing part as a torn read', () => {
    const v1 = windowItems('p', { start: START, chunk: bytes(2 * WARM_ITEM_PAYLOAD_BYTES, 1), count: 1 });
    const v2 = windowItems('p', { start: START, chunk: bytes(2 * WARM_ITEM_PAYLOAD_BYTES, 2), count: 1 });
    // The new parts are written before the new head: the old head still reads whole.
    expect(assembleWindow(v1[0], new Map([...partsOf(v1), ...partsOf(v2)]))).toBeDefined();
    // The old parts deleted before the reader got to them: torn, read again.
    expect(assembleWindow(v1[0], partsOf(v2))).toBeUndefined();
  });

  it('tells two seals of real codec chunks apart (a chunk ends with its own CRC-32, so the CRC of the whole is a constant)', () => {
    const noise = (n: number, seed: number) => {
      let x = seed;
      return { timestamps: Float64Array.from({ length: n }, (_, i) => START + i * 100), values: Float64Array.from({ length: n }, () => (x = (x * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31) };
    };
    const small = [encodeChunk(noise(2, 1)), encodeChunk(noise(2, 2)), encodeChunk(noise(3, 1))];
    expect(new Set(small.map(windowGeneration)).size).toBe(3);
    const v1 = windowItems('p', { start: START, chunk: encodeChunk(noise(100_000, 1)), count: 100_000 });
    const v2 = windowItems('p', { start: START, chunk: encodeChunk(noise(100_000, 2)), count: 100_000 });
    expect(v1.length).toBeGreaterThan(1);
    expect(v1[0]['g'].N).not.toBe(v2[0]['g'].N);
    // A re-seal's parts never land on the keys the current head names.
    expect(v1.slice(1).map((i) => i['sk'].N)).not.toEqual(v2.slice(1).map((i) => i['sk'].N));
    expect(assembleWindow(v1[0], partsOf(v2))).toBeUndefined();
  });

  it('part keys sort between their window and the next, and survive DynamoDB trimming trailing zeros', () => {
    const key = partSortKey(START, 4_000_000_000, 10);
    expect(key).toBe(`${START}.40000000000010`);
    expect(parseSortKey(`${START}.4000000000001`)).toEqual({ start: START, part: { generation: 4_000_000_000, index: 10 } });
    expect(canonicalPartKey(`${START}.4000000000001`)).toBe(key);
    expect(parseSortKey(String(START))).toEqual({ start: START });
    expect(lastPartSortKey(START) > key).toBe(true);
    expect(() => partSortKey(-1, 1, 1)).toThrow(/non-negative integer start/);
  });
});
