import type { Redis } from 'ioredis';
import { RedisSeriesRegistry, SeriesRegistryUnavailableError } from './series-registry';

/** Just enough of a client to reach the registry's failure paths without a server. */
function stubClient(status: string, reply: () => Promise<unknown>): Redis {
  return { status, defineCommand: () => undefined, strataAdmitSeries: reply } as unknown as Redis;
}

const request = { refresh: [], candidates: ['cpu'] };

describe('RedisSeriesRegistry failures', () => {
  it('refuses at once, without queueing, while the client is not connected', async () => {
    const registry = new RedisSeriesRegistry(stubClient('reconnecting', () => new Promise(() => undefined)), { activeMs: 1_000 });
    await expect(registry.admit('acme', request, 10, 0)).rejects.toThrow(
      new SeriesRegistryUnavailableError('acme', 'client is reconnecting'),
    );
  });

  it('gives up after the timeout when Redis does not answer', async () => {
    const registry = new RedisSeriesRegistry(stubClient('ready', () => new Promise(() => undefined)), { activeMs: 1_000, timeoutMs: 30 });
    const began = Date.now();
    await expect(registry.admit('acme', request, 10, 0)).rejects.toThrow(/unavailable for tenant acme: no answer within 30 ms/);
    expect(Date.now() - began).toBeLessThan(1_000);
  });

  it('turns a Redis error into a retriable SeriesRegistryUnavailableError', async () => {
    const registry = new RedisSeriesRegistry(stubClient('ready', () => Promise.reject(new Error('LOADING Redis is loading'))), { activeMs: 1_000 });
    const error = await registry.admit('acme', request, 10, 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SeriesRegistryUnavailableError);
    expect((error as SeriesRegistryUnavailableError).retriable).toBe(true);
    expect((error as Error).message).toContain('LOADING Redis is loading');
  });
});
