import { randomUUID } from 'node:crypto';
import { createRedis } from './redis-client';
import { DIRECT_APPENDS_CLIENT, RedisHotStore } from './hot-store';
import { hotKeys, seriesId } from './hot-keys';
import { RespEncoder, RespPipe } from './resp-pipe';

// Runs against the local stack (`stack.sh up`) or STRATA_REDIS_URL.
const url = process.env['STRATA_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const HOUR = 3_600_000;

describe('the direct append connection against a real Redis', () => {
  const redis = createRedis({ url });
  const run = randomUUID().slice(0, 8);
  const { host, port } = redis.options;

  afterAll(async () => {
    const keys = await redis.keys(`*${run}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('survives the server killing its connection: the pipeline waiting fails (retriable), the next reconnects', async () => {
    const name = `strata-test-${run}`;
    const pipe = new RespPipe({ host: host!, port: port!, clientName: name, scripts: { strataEcho: { lua: 'return ARGV[1]', numberOfKeys: 0 } } });
    const encoder = new RespEncoder();
    const call = (key: string) => {
      encoder.command('set', [key, 'v']);
      pipe.encode(encoder, ['strataEcho', 'hello']);
      const { bytes, count } = encoder.take();
      return pipe.exec(bytes, count);
    };
    try {
      expect(await call(`resp:${run}:a`)).toEqual(['OK', 'hello']);
      const id = /id=(\d+)[^\n]* name=([^ ]+)/g;
      const ids = [...(await redis.client('LIST') as string).matchAll(id)].filter((m) => m[2] === name).map((m) => m[1]);
      expect(ids).toHaveLength(1);
      // A blocked pipeline is cut off with the connection: its waiter fails, not hangs.
      encoder.command('blpop', [`resp:${run}:never`, '5']);
      const blocked = encoder.take();
      const waiting = pipe.exec(blocked.bytes, blocked.count).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 100));
      await redis.client('KILL', 'ID', ids[0]);
      expect(await waiting).toMatchObject({ retriable: true });
      expect(await call(`resp:${run}:b`)).toEqual(['OK', 'hello']);
      expect(await redis.get(`resp:${run}:b`)).toBe('v');
    } finally {
      pipe.close();
    }
  });

  it('is the connection a single-node hot store appends through, unless told otherwise', async () => {
    const tenant = `t${run}`;
    const start = 1_763_856_000_000;
    const writes = [{ tenant, seriesKey: 'cpu', points: Array.from({ length: 10 }, (_, i) => ({ timestampMs: start + i * 60_000, value: i })), offset: 3 }];
    // Other writers may share this Redis: count the connections by that name before and after.
    const named = async () => ((await redis.client('LIST')) as string).split('\n').filter((line) => line.includes(` name=${DIRECT_APPENDS_CLIENT} `)).length;
    const before = await named();
    const direct = createRedis({ url });
    const viaClient = createRedis({ url });
    try {
      await new RedisHotStore(direct, { windowMs: 2 * HOUR, sealGraceMs: 60_000, retentionMs: 26 * HOUR }).append(900_001, writes, { projected: { expect: null, next: 4 } });
      expect(await named()).toBe(before + 1);
      expect(await redis.hlen(hotKeys.open(seriesId(tenant, 'cpu'), start))).toBe(1);
      // Through ioredis, the same append gives the same keys.
      const other = new RedisHotStore(viaClient, { windowMs: 2 * HOUR, sealGraceMs: 60_000, retentionMs: 26 * HOUR, directAppends: false });
      const result = await other.append(900_002, writes.map((w) => ({ ...w, tenant: `u${run}` })), { projected: { expect: null, next: 4 } });
      expect(result).toEqual({ projectedAdvanced: true });
      expect(await redis.hlen(hotKeys.open(seriesId(`u${run}`, 'cpu'), start))).toBe(1);
    } finally {
      await redis.del(hotKeys.due(900_001), hotKeys.due(900_002), hotKeys.projected(900_001, 'strata-writer'), hotKeys.projected(900_002, 'strata-writer'));
      await direct.quit();
      await viaClient.quit();
    }
    // Ending the client ends its direct connection.
    await new Promise((r) => setTimeout(r, 100));
    expect(await named()).toBe(before);
  });
});
