import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { DAY_MS } from '../core/time';

/**
 * The series catalogue of a tenant in Redis: every series the writer projected, with the
 * UTC days of its oldest and newest points, and a change feed that lets a reader keep an
 * in-memory label index current by reading only what changed. Four keys, one hash slot
 * (the tag is the tenant):
 *
 * - `t:{tenant}:catalog` sorted set, member = series key, score = newest day (ZADD GT);
 * - `t:{tenant}:born` sorted set, score = oldest day (ZADD LT);
 * - `t:{tenant}:feed` sorted set, score = the sequence number of the series' last change:
 *   a series appears once, at its latest change, so the feed never outgrows the catalogue;
 * - `t:{tenant}:catalog-meta` hash: `seq` (the last sequence number given) and `epoch`
 *   (random, set by the first write into an empty Redis). A reader that sees another epoch
 *   knows Redis lost the catalogue and starts over.
 *
 * Entries never expire: the catalogue is how a series is found after its points left the
 * hot tier. See docs/label-index.md.
 */
export const catalogKeys = {
  newest: (tenant: string) => `t:{${tenant}}:catalog`,
  oldest: (tenant: string) => `t:{${tenant}}:born`,
  feed: (tenant: string) => `t:{${tenant}}:feed`,
  meta: (tenant: string) => `t:{${tenant}}:catalog-meta`,
};

/** The four keys of a tenant, in the order the record script takes them. */
export function catalogKeyList(tenant: string): string[] {
  return [catalogKeys.newest(tenant), catalogKeys.oldest(tenant), catalogKeys.feed(tenant), catalogKeys.meta(tenant)];
}

/**
 * KEYS: newest, oldest, feed, meta. ARGV: a new epoch (used only if none is set), then
 * triples (series key, oldest day, newest day). A series whose days moved (or that is new)
 * gets the next sequence number in the feed. Atomic: a reader paging the feed by sequence
 * never misses a change.
 */
export const RECORD_SERIES = `
redis.call('HSETNX', KEYS[4], 'epoch', ARGV[1])
local seq = tonumber(redis.call('HGET', KEYS[4], 'seq') or '0')
local start = seq
for i = 2, #ARGV, 3 do
  local key = ARGV[i]
  local changed = redis.call('ZADD', KEYS[1], 'GT', 'CH', ARGV[i + 2], key) + redis.call('ZADD', KEYS[2], 'LT', 'CH', ARGV[i + 1], key)
  if changed > 0 then
    seq = seq + 1
    redis.call('ZADD', KEYS[3], seq, key)
  end
end
if seq ~= start then redis.call('HSET', KEYS[4], 'seq', seq) end
return seq - start
`;

/** The UTC day of a timestamp: floor(ms / 86,400,000). */
export function utcDay(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

export interface CatalogUpdate {
  readonly seriesKey: string;
  /** UTC day of the series' oldest point in this write. */
  readonly oldestDay: number;
  /** UTC day of its newest point in this write. */
  readonly newestDay: number;
}

/** Series sent in one script call: bounds its run time, since Redis runs nothing else meanwhile. */
const RECORD_BATCH = 500;

/** The pipeline commands that record a tenant's updates (for the hot store's batch pipeline). */
export function catalogCommands(tenant: string, updates: readonly CatalogUpdate[]): Array<[string, ...string[]]> {
  const keys = catalogKeyList(tenant);
  const commands: Array<[string, ...string[]]> = [];
  for (let i = 0; i < updates.length; i += RECORD_BATCH) {
    const args: string[] = [newEpoch()];
    for (const u of updates.slice(i, i + RECORD_BATCH)) args.push(u.seriesKey, String(u.oldestDay), String(u.newestDay));
    commands.push(['strataRecordSeries', String(keys.length), ...keys, ...args]);
  }
  return commands;
}

function newEpoch(): string {
  return randomBytes(9).toString('base64url');
}

export interface CatalogEntry {
  readonly seriesKey: string;
  readonly oldestDay: number;
  readonly newestDay: number;
}

export interface CatalogPosition {
  /** Null when the tenant has no catalogue (nothing written, or Redis lost it). */
  readonly epoch: string | null;
  readonly seq: number;
}

export interface CatalogChanges {
  readonly entries: CatalogEntry[];
  /** The sequence number of the last entry read: pass it as `afterSeq` for the next page. */
  readonly lastSeq: number;
}

/** A tenant's catalogue position and the changes after a sequence number, read at one instant. */
export interface CatalogRead extends CatalogChanges {
  readonly position: CatalogPosition;
}

/**
 * The position and a page of the feed after ARGV[1] (at most ARGV[2] entries), each entry
 * with its newest and oldest day: member, sequence, newest, oldest (false where a day is
 * missing). KEYS: meta, feed, newest, oldest (one hash tag). Reads only.
 */
const READ_CATALOG = `
local meta = redis.call('HMGET', KEYS[1], 'epoch', 'seq')
local out = { meta[1] or false, meta[2] or false }
local feed = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
for i = 1, #feed, 2 do
  out[#out + 1] = feed[i]
  out[#out + 1] = feed[i + 1]
  out[#out + 1] = redis.call('ZSCORE', KEYS[3], feed[i]) or false
  out[#out + 1] = redis.call('ZSCORE', KEYS[4], feed[i]) or false
end
return out
`;

type Client = Redis | Cluster;

/**
 * A tenant's catalogue: its position, its changes after a sequence number (a page at a time),
 * and `record`, which is what the writer's pipeline does (for fixtures and tools).
 */
export class RedisSeriesCatalog {
  constructor(private readonly redis: Client) {
    redis.defineCommand('strataRecordSeries', { lua: RECORD_SERIES });
    redis.defineCommand('strataReadCatalog', { numberOfKeys: 4, lua: READ_CATALOG });
  }

  /**
   * The tenant's position and up to `limit` series changed after `afterSeq` (as `changes`),
   * read together in one round trip: what a reader does before each use of its index, where
   * `position` then `changes` took three.
   */
  async read(tenant: string, afterSeq: number, limit: number): Promise<CatalogRead> {
    const run = (this.redis as unknown as { strataReadCatalog(...args: Array<string | number>): Promise<Array<string | null>> }).strataReadCatalog.bind(this.redis);
    const reply = await run(catalogKeys.meta(tenant), catalogKeys.feed(tenant), catalogKeys.newest(tenant), catalogKeys.oldest(tenant), afterSeq, limit);
    const [epoch, seq] = reply;
    const entries: CatalogEntry[] = [];
    let lastSeq = afterSeq;
    for (let i = 2; i + 3 < reply.length; i += 4) {
      lastSeq = Number(reply[i + 1]);
      const newest = reply[i + 2];
      const oldest = reply[i + 3];
      // Both are written in one script call; a member missing from either was removed by hand.
      if (newest === null || oldest === null) continue;
      entries.push({ seriesKey: reply[i]!, oldestDay: Number(oldest), newestDay: Number(newest) });
    }
    return { position: { epoch: epoch ?? null, seq: seq === null ? 0 : Number(seq) }, entries, lastSeq };
  }

  /** Records series with their days, as the writer's pipeline does (a script call per few hundred series). */
  async record(tenant: string, updates: readonly CatalogUpdate[]): Promise<void> {
    const run = (this.redis as unknown as { strataRecordSeries(...args: string[]): Promise<number> }).strataRecordSeries.bind(this.redis);
    await Promise.all(catalogCommands(tenant, updates).map(([, ...args]) => run(...args)));
  }

  async position(tenant: string): Promise<CatalogPosition> {
    const [epoch, seq] = await this.redis.hmget(catalogKeys.meta(tenant), 'epoch', 'seq');
    return { epoch: epoch ?? null, seq: seq === null ? 0 : Number(seq) };
  }

  /** Series in the catalogue (one command, O(1)). */
  count(tenant: string): Promise<number> {
    return this.redis.zcard(catalogKeys.newest(tenant));
  }

  /**
   * Up to `limit` series changed after `afterSeq`, in sequence order, with their days as
   * they are now (a later change may already show; it is read again at its own sequence).
   */
  async changes(tenant: string, afterSeq: number, limit: number): Promise<CatalogChanges> {
    const { entries, lastSeq } = await this.read(tenant, afterSeq, limit);
    return { entries, lastSeq };
  }
}

/** The catalogue days of a non-empty run of points: the UTC days of its oldest and newest. */
export function catalogDays(points: readonly { readonly timestampMs: number }[]): { oldestDay: number; newestDay: number } {
  let oldest = points[0].timestampMs;
  let newest = oldest;
  for (const p of points) {
    if (p.timestampMs < oldest) oldest = p.timestampMs;
    else if (p.timestampMs > newest) newest = p.timestampMs;
  }
  return { oldestDay: utcDay(oldest), newestDay: utcDay(newest) };
}
