import type { WarmChunk } from '@strata/storage/warm';
import { WarmTierSource } from './tier-sources';

describe('WarmTierSource', () => {
  it("hands the read's signal to the DynamoDB query, so a timed-out read stops its Query too", async () => {
    const seen: Array<AbortSignal | undefined> = [];
    const source = new WarmTierSource({
      queryChunks: async (_tenant: string, _key: string, _from: number, _to: number, options?: { signal?: AbortSignal }): Promise<WarmChunk[]> => {
        seen.push(options?.signal);
        return [];
      },
    });
    const controller = new AbortController();
    await source.fetch('acme', 'm', { tier: 'warm', fromStart: 0, toStart: 0 }, 3_600_000, controller.signal);
    expect(seen).toEqual([controller.signal]);
    controller.abort();
    await expect(source.fetch('acme', 'm', { tier: 'warm', fromStart: 0, toStart: 0 }, 3_600_000, controller.signal)).rejects.toBeDefined();
    expect(seen).toHaveLength(1);
  });
});
