import { randomUUID } from 'node:crypto';
import { decodeChunk, encodeChunk } from '@strata/storage/codec';
import { dropWarmTable } from '@strata/storage/testing';
import { createDynamoDb, DynamoWarmStore, ensureWarmTable, WARM_ITEM_PAYLOAD_BYTES } from '@strata/storage/warm';
import { WarmTierSource } from './tier-sources';

// Issue 14: a window bigger than a DynamoDB item is stored over several items; the
// reader's warm path must see it whole, exactly, and only the newest seal of it.
describe("the reader's warm source over a window split across items (DynamoDB Local)", () => {
  const client = createDynamoDb({ endpoint: process.env['STRATA_DYNAMODB_ENDPOINT'] ?? 'http://127.0.0.1:8000', region: 'us-east-1' });
  const tableName = `strata_spec_${randomUUID().slice(0, 8)}`;
  const warm = new DynamoWarmStore(client, { tableName });
  const W = 4 * 3_600_000;
  const start = 123_456 * W;

  beforeAll(() => ensureWarmTable(client, tableName));
  afterAll(async () => {
    await dropWarmTable(client, tableName);
    client.destroy();
  });

  it('returns the 144,000 raw points of a noisy 100 ms window, then the re-seal that replaced it', async () => {
    const timestamps = Float64Array.from({ length: 144_000 }, (_, i) => start + i * 100);
    const values = Float64Array.from({ length: 144_000 }, () => Math.random() * 1e3);
    const chunk = encodeChunk({ timestamps, values });
    expect(chunk.length).toBeGreaterThan(3 * WARM_ITEM_PAYLOAD_BYTES);
    await warm.putChunks([{ tenant: 'acme', seriesKey: 'noise{res="100ms"}', start, chunk, count: 144_000 }]);

    const source = new WarmTierSource(warm);
    const request = { range: { tier: 'warm' as const, fromStart: start - W, toStart: start }, windowMs: W };
    const [window] = (await source.fetch('acme', 'noise{res="100ms"}', request)).windows;
    const decoded = decodeChunk(window.layers[0] as Uint8Array);
    expect(decoded.timestamps).toEqual(timestamps);
    expect(Buffer.from(decoded.values.buffer).equals(Buffer.from(values.buffer))).toBe(true);

    const fewer = encodeChunk({ timestamps: timestamps.subarray(0, 40_000), values: values.subarray(0, 40_000) });
    await warm.putChunks([{ tenant: 'acme', seriesKey: 'noise{res="100ms"}', start, chunk: fewer, count: 40_000, mayHaveParts: true }]);
    const { windows } = await source.fetch('acme', 'noise{res="100ms"}', request);
    expect(windows).toHaveLength(1);
    expect(decodeChunk(windows[0].layers[0] as Uint8Array).timestamps.length).toBe(40_000);
  });
});
