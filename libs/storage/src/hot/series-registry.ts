import type { Cluster, Redis } from 'ioredis';
import { StorageError } from '../errors';

/**
 * Sorted set of a tenant's active series: member = series key, score = when an ingest
 * replica last confirmed it (ms). One key per tenant, so on Redis Cluster the script
 * below touches a single slot. Separate from the writer's `t:{tenant}:series` index (see
 * docs/write-path.md, "Series per tenant" for why).
 */
export const activeSeriesKey = (tenant: string): string => `t:{${tenant}}:active`;

/**
 * KEYS: active. ARGV: now, cutoff, limit, prune batch, refresh count, key ttl ms, then
 * the members: first the refreshes, then the candidates.
 *
 * Drops up to `prune batch` members last confirmed before `cutoff`, then: a refresh is
 * re-marked active unconditionally (ingest admitted it before); a candidate already in
 * the set is re-marked; a new candidate is added only while the set holds fewer than
 * `limit` members. Returns { members after the call, 1/0 per candidate }.
 * Atomic, so replicas racing for the last free places can never push the count past the
 * limit between them.
 */
const ADMIT_SERIES = `
local key = KEYS[1]
local now = ARGV[1]
local limit = tonumber(ARGV[3])
local refreshes = tonumber(ARGV[5])
local stale = redis.call('ZRANGEBYSCORE', key, '-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[4]))
if #stale > 0 then redis.call('ZREM', key, unpack(stale)) end
local count = redis.call('ZCARD', key)
local admitted = {}
local first = 7
for i = first, #ARGV do
  local member = ARGV[i]
  if i < first + refreshes then
    count = count + redis.call('ZADD', key, now, member)
  elseif redis.call('ZSCORE', key, member) then
    redis.call('ZADD', key, now, member)
    admitted[#admitted + 1] = 1
  elseif count < limit then
    redis.call('ZADD', key, now, member)
    count = count + 1
    admitted[#admitted + 1] = 1
  else
    admitted[#admitted + 1] = 0
  end
end
if count > 0 then redis.call('PEXPIRE', key, ARGV[6]) end
return { count, admitted }
`;

export interface SeriesRegistryOptions {
  /** A series stops counting this long after a replica last confirmed it. */
  readonly activeMs: number;
  /** Longest wait for Redis before {@link SeriesRegistryUnavailableError}. @default 500 */
  readonly timeoutMs?: number;
  /** Series sent in one script call; larger requests make several calls, sent together. @default 1000 */
  readonly batchSize?: number;
  /** Idle members dropped per call, which bounds the script's run time. @default 1000 */
  readonly pruneBatch?: number;
}

export interface SeriesAdmissionRequest {
  /** Series this caller admitted within the active span: re-marked, never refused. */
  readonly refresh: readonly string[];
  /** Series to admit only while the tenant is under its limit. */
  readonly candidates: readonly string[];
}

export interface SeriesAdmission {
  /** One per candidate, in order: true when admitted. */
  readonly admitted: boolean[];
  /** Active series of the tenant after this call. */
  readonly active: number;
  /** Script calls this took (each one command; all sent without waiting). */
  readonly calls: number;
}

/** Redis did not answer in time or is not connected; the registry's answer is unknown. */
export class SeriesRegistryUnavailableError extends StorageError {
  constructor(
    readonly tenant: string,
    reason: string,
  ) {
    super(`series registry in Redis is unavailable for tenant ${tenant}: ${reason}`, true, { context: { tenant } });
  }
}

type Client = Redis | Cluster;

interface AdmitCommand {
  strataAdmitSeries(key: string, ...args: Array<string | number>): Promise<[number, number[]]>;
}

/**
 * The shared count of active series per tenant, consulted by every ingest replica. See
 * docs/write-path.md ("Series per tenant") for the semantics of "active".
 */
export class RedisSeriesRegistry {
  private readonly timeoutMs: number;
  private readonly batchSize: number;
  private readonly pruneBatch: number;

  constructor(
    private readonly redis: Client,
    private readonly options: SeriesRegistryOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? 500;
    this.batchSize = options.batchSize ?? 1_000;
    this.pruneBatch = options.pruneBatch ?? 1_000;
    redis.defineCommand('strataAdmitSeries', { numberOfKeys: 1, lua: ADMIT_SERIES });
  }

  /**
   * Admits series of one tenant against `limit`. Throws SeriesRegistryUnavailableError
   * when Redis is not connected or slower than the timeout; the caller decides what an
   * unknown answer means.
   */
  async admit(tenant: string, request: SeriesAdmissionRequest, limit: number, nowMs: number): Promise<SeriesAdmission> {
    if (this.redis.status !== 'ready') throw new SeriesRegistryUnavailableError(tenant, `client is ${this.redis.status}`);
    const batches = this.batches(request);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SeriesRegistryUnavailableError(tenant, `no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    const key = activeSeriesKey(tenant);
    const cutoff = nowMs - this.options.activeMs;
    const calls = batches.map(({ refresh, candidates }) =>
      (this.redis as unknown as AdmitCommand).strataAdmitSeries(
        key,
        nowMs,
        cutoff,
        limit,
        this.pruneBatch,
        refresh.length,
        this.options.activeMs,
        ...refresh,
        ...candidates,
      ),
    );
    try {
      const replies = await Promise.race([Promise.all(calls), timeout]);
      return {
        admitted: replies.flatMap(([, admitted]) => admitted.map((flag) => flag === 1)),
        // One key, so one connection: Redis runs the calls in the order sent.
        active: replies[replies.length - 1][0],
        calls: replies.length,
      };
    } catch (error) {
      if (error instanceof SeriesRegistryUnavailableError) throw error;
      throw new SeriesRegistryUnavailableError(tenant, error instanceof Error ? error.message : String(error));
    } finally {
      clearTimeout(timer);
      // A call that lost the race still settles later; keep its rejection from going unhandled.
      for (const call of calls) call.catch(() => undefined);
    }
  }

  /** Active series of a tenant, counting any not yet pruned. */
  count(tenant: string): Promise<number> {
    return this.redis.zcard(activeSeriesKey(tenant));
  }

  private batches(request: SeriesAdmissionRequest): SeriesAdmissionRequest[] {
    const all = [...request.refresh.map((s) => ({ s, refresh: true })), ...request.candidates.map((s) => ({ s, refresh: false }))];
    const batches: SeriesAdmissionRequest[] = [];
    // An empty request still makes one call, which prunes and reports the count.
    for (let i = 0; i === 0 || i < all.length; i += this.batchSize) {
      const slice = all.slice(i, i + this.batchSize);
      batches.push({
        refresh: slice.filter((e) => e.refresh).map((e) => e.s),
        candidates: slice.filter((e) => !e.refresh).map((e) => e.s),
      });
    }
    return batches;
  }
}
