import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { DAY_MS } from '../core/time';
import { hotKeys } from './hot-keys';


/**
 * How long a day's ledger stays in Redis after the day, well past the 460-day retention.
 * Losing it early costs speed, never correctness: a day without a clean mark is read from
 * DynamoDB as before.
 */
export const LATE_LEDGER_KEEP_DAYS = 800;

/** One tenant-day that chunks were written into. */
export interface LedgerDay {
  readonly tenant: string;
  /** UTC day number (ms / 86,400,000). */
  readonly day: number;
}

// KEYS[1] the day's ledger; ARGV tenant, the write count the archiver read before it looked
// for chunks, expiry (ms). Marks the tenant-day clean only if no chunk write was recorded since.
const MARK_CLEAN = `
local writes = tonumber(redis.call('HGET', KEYS[1], 'w:' .. ARGV[1]) or '0')
if writes ~= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'c:' .. ARGV[1], ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return 1
`;

// KEYS[1] the day's ledger; ARGV a new life token, expiry (ms), tenant. Gives the day's life
// token (set here if the hash has none), the tenant's write count and its last write's
// token, as `life/count/write`.
const DAY_TOKEN = `
if redis.call('HSETNX', KEYS[1], 'l', ARGV[1]) == 1 then redis.call('PEXPIREAT', KEYS[1], ARGV[2]) end
local v = redis.call('HMGET', KEYS[1], 'l', 'w:' .. ARGV[3], 'v:' .. ARGV[3])
return v[1] .. '/' .. (v[2] or '0') .. '/' .. (v[3] or '')
`;

/**
 * Which archived days still have chunks in DynamoDB, kept in Redis so that a read of old
 * days can skip its DynamoDB Query (docs/cold-format.md, "Late chunks of archived days").
 *
 * Per UTC day one hash `d:{<day>}:late`: field `w:<tenant>` counts the writer's seal rounds
 * that wrote chunks of the tenant into that day (recorded after the chunks are durable),
 * field `c:<tenant>` is the count the archiver read before it found and moved every chunk
 * of the tenant-day, set only if the count had not moved meanwhile. A tenant-day is clean
 * (no chunk left in DynamoDB) while both are equal.
 *
 * What it relies on: the writer records before it finishes the seal (a crash in between
 * leaves the window due, and the next seal records again); the archiver reads the count
 * before its (strongly consistent) look at the day index. A chunk written after that look
 * moves the count, so the mark is either refused or outdated a moment later. Redis losing
 * the hash loses the marks with the counts: days read from DynamoDB again.
 *
 * The writer records every day it seals chunks into, today's too, so the ledger also tells a
 * reader whether a tenant-day's chunks may have changed since it last read them
 * ({@link dayTokens}). Besides the count, each record sets `v:<tenant>` to a token of its
 * own, and field `l` holds a random token set by the first reader to ask after the hash was
 * created (or lost): a hash that Redis lost and rebuilt, or a count that a failover took
 * back and a later write brought to the same number, never gives a token seen before.
 */
export class LateWriteLedger {
  /** Tokens this process writes: a random prefix and a counter. */
  private readonly tokenPrefix = randomBytes(6).toString('hex');
  private tokens = 0;

  constructor(private readonly redis: Redis | Cluster) {
    redis.defineCommand('strataLedgerDayToken', { numberOfKeys: 1, lua: DAY_TOKEN });
  }

  private token(): string {
    return `${this.tokenPrefix}.${this.tokens++}`;
  }

  /** Writer: chunks of these tenant-days are durable in DynamoDB. Duplicates count once. */
  async recordWrites(days: Iterable<LedgerDay>): Promise<void> {
    // One pipeline per day: each day's ledger is in its own slot, which a cluster pipeline
    // cannot span (one node's pipelines run together all the same).
    const perDay = new Map<number, Set<string>>();
    for (const { tenant, day } of days) {
      const tenants = perDay.get(day);
      if (tenants) tenants.add(tenant);
      else perDay.set(day, new Set([tenant]));
    }
    const pipelines = [...perDay].map(([day, tenants]) => {
      const key = hotKeys.lateLedger(day);
      const pipeline = this.redis.pipeline();
      for (const tenant of tenants) {
        pipeline.hincrby(key, `w:${tenant}`, 1);
        pipeline.hset(key, `v:${tenant}`, this.token());
      }
      pipeline.pexpireat(key, expiryMs(day));
      return pipeline.exec();
    });
    for (const replies of await Promise.all(pipelines)) for (const [error] of replies ?? []) if (error) throw error;
  }

  /** Archiver: every tenant's write count of `day`, read before it looks for the day's chunks. */
  async writeCounts(day: number): Promise<Map<string, number>> {
    const fields = await this.redis.hgetall(hotKeys.lateLedger(day));
    const counts = new Map<string, number>();
    for (const [field, value] of Object.entries(fields)) if (field.startsWith('w:')) counts.set(field.slice(2), Number(value));
    return counts;
  }

  /**
   * Archiver: no chunk of the tenant-day is left in DynamoDB as far as a look that began
   * when the count was `seenWrites` could tell. Returns whether the mark was set (false: a
   * chunk was written meanwhile; the next run archives it and tries again).
   */
  async markClean(tenant: string, day: number, seenWrites: number): Promise<boolean> {
    const set = await this.redis.eval(MARK_CLEAN, 1, hotKeys.lateLedger(day), tenant, String(seenWrites), String(expiryMs(day)));
    return set === 1;
  }

  /**
   * Reader: a token per tenant-day that changes whenever the writer records chunks written
   * into that day (and whenever Redis loses the day's ledger). Equal tokens read before two
   * DynamoDB reads mean no seal into that day completed between them.
   */
  async dayTokens(tenant: string, days: readonly number[]): Promise<Map<number, string>> {
    const args = (day: number) => [hotKeys.lateLedger(day), this.token(), String(expiryMs(day)), tenant] as const;
    let replies: unknown[];
    if (this.redis.isCluster) {
      // Each day's ledger is in its own slot, which a cluster pipeline cannot span.
      replies = await Promise.all(days.map((day) => (this.redis as unknown as LedgerCommands).strataLedgerDayToken(...args(day))));
    } else {
      const pipeline = this.redis.pipeline() as unknown as LedgerCommands & { exec(): Promise<Array<[Error | null, unknown]> | null> };
      for (const day of days) void pipeline.strataLedgerDayToken(...args(day));
      replies = ((await pipeline.exec()) ?? []).map(([error, reply]) => {
        if (error) throw error;
        return reply;
      });
    }
    return new Map(days.map((day, i) => [day, String(replies[i])]));
  }

  /** Reader: those of `days` whose chunks have all left DynamoDB (the clean ones). */
  async cleanDays(tenant: string, days: readonly number[]): Promise<Set<number>> {
    const pipeline = this.redis.pipeline();
    for (const day of days) pipeline.hmget(hotKeys.lateLedger(day), `w:${tenant}`, `c:${tenant}`);
    const replies = (await pipeline.exec()) ?? [];
    const clean = new Set<number>();
    replies.forEach(([error, reply], i) => {
      if (error) throw error;
      const [writes, mark] = reply as [string | null, string | null];
      if (mark !== null && Number(mark) === Number(writes ?? 0)) clean.add(days[i]);
    });
    return clean;
  }
}

interface LedgerCommands {
  strataLedgerDayToken(key: string, life: string, expiryMs: string, tenant: string): Promise<string>;
}

function expiryMs(day: number): number {
  return (day + 1 + LATE_LEDGER_KEEP_DAYS) * DAY_MS;
}
