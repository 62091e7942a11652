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
    const request = { range: { tier: 'warm' as const, fromStart: 0, toStart: 0 }, windowMs: 3_600_000, signal: controller.signal };
    await source.fetch('acme', 'm', request);
    expect(seen).toEqual([controller.signal]);
    controller.abort();
    await expect(source.fetch('acme', 'm', request)).rejects.toBeDefined();
    expect(seen).toHaveLength(1);
  });
});
