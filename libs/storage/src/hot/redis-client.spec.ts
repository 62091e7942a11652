import { StorageConfigError } from '../errors';
import { createRedis } from './redis-client';

describe('createRedis', () => {
  it.each(['127.0.0.1:6379', 'http://127.0.0.1:6379', ''])('rejects %p, naming the url', (url) => {
    expect(() => createRedis({ url, lazyConnect: true })).toThrow(StorageConfigError);
  });

  it('accepts redis:// and rediss:// without connecting when lazy', () => {
    for (const url of ['redis://127.0.0.1:6379/2', 'rediss://user:pw@cache.example:6380']) {
      const redis = createRedis({ url, lazyConnect: true });
      expect(redis.status).toBe('wait');
      redis.disconnect();
    }
  });
});
