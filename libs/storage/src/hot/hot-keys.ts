import { createHash } from 'node:crypto';

/**
 * The hot tier's key schema, in one place (docs/write-path.md has the table).
 *
 * Every key of a series carries the Redis Cluster hash tag `{sid}`, where `sid` is a
 * 96-bit digest of `tenant/seriesKey`: series keys contain braces of their own, so they
 * cannot be the tag, and a digest keeps keys short. All keys of one series share a slot,
 * which lets one Lua script touch several of them.
 */
export function seriesId(tenant: string, seriesKey: string): string {
  return createHash('sha256').update(tenant).update('/').update(seriesKey).digest('base64url').slice(0, 16);
}

export interface WindowRef {
  readonly tenant: string;
  readonly seriesKey: string;
  /** ms since the epoch, a multiple of the window length. */
  readonly start: number;
}

/**
 * The writer's consumer group by default (STRATA_WRITER_GROUP_ID). The keys that count log
 * offsets (`unsealedFrom`, `projected`) carry the group: offsets mean nothing across topics,
 * and a Redis shared by writers of two topics (tests, a second install) must not mix them.
 */
export const DEFAULT_WRITER_GROUP = 'strata-writer';

export const hotKeys = {
  /** Hash: open window; field = ms offset from the window start, value = float64 BE. */
  open: (sid: string, start: number) => `s:{${sid}}:o:${start}`,
  /** Hash: points taken from `open` by a seal in progress. */
  sealing: (sid: string, start: number) => `s:{${sid}}:f:${start}`,
  /** String: set while the replay group has written into a window not sealed since. */
  replayed: (sid: string, start: number) => `s:{${sid}}:r:${start}`,
  /** String: the sealed window as chunk-codec bytes; expires after the hot retention. */
  packed: (sid: string, start: number) => `s:{${sid}}:c:${start}`,
  /** Sorted set: windows of one Kafka partition waiting to be sealed, scored by due time. */
  due: (partition: number) => `p:{${partition}}:due`,
  /**
   * Sorted set: the same windows as `due`, scored by the lowest record offset among their
   * unsealed points. Its minimum is where a rebuild of the partition must start
   * (docs/write-path.md, "Rebuilding the hot tier").
   */
  unsealedFrom: (partition: number, group = DEFAULT_WRITER_GROUP) => `p:{${partition}}:first:${group}`,
  /**
   * String: the offset after the last record of the partition that Redis holds entirely
   * (written with each projected batch). Missing or behind the writer's own count means
   * Redis lost data.
   */
  projected: (partition: number, group = DEFAULT_WRITER_GROUP) => `p:{${partition}}:projected:${group}`,
  /** String: the writer instance currently sealing this partition's windows. */
  lease: (partition: number) => `p:{${partition}}:lease`,
  /**
   * Hash: whether the hot tier is whole. Field `initialised` is set once writers have taken
   * stock of Redis; a field `p:<partition>` marks a partition whose points are being
   * rebuilt from the log (HotTierState).
   */
  state: 'h:{state}',
  /** Hash: chunk writes into an old UTC day and the archiver's clean marks, per tenant (LateWriteLedger). */
  lateLedger: (day: number) => `d:{${day}}:late`,
};

/** The due-set member of a window: `<start>/<tenant>/<seriesKey>` (tenants have no `/`). */
export function dueMember(window: WindowRef): string {
  return `${window.start}/${window.tenant}/${window.seriesKey}`;
}

export function parseDueMember(member: string): WindowRef {
  const first = member.indexOf('/');
  const second = member.indexOf('/', first + 1);
  if (first <= 0 || second <= first + 1) throw new Error(`malformed due member ${JSON.stringify(member)}`);
  return {
    start: Number(member.slice(0, first)),
    tenant: member.slice(first + 1, second),
    seriesKey: member.slice(second + 1),
  };
}

/**
 * Default window length (STRATA_WINDOW_MS): 4 hours, 240 points of a 60 s series, one
 * DynamoDB item per series per window. Most chunks stay under 1 KB, one write unit each, so
 * the floor is ~4,200 write units per million points (2-hour windows: 8,333); the price is
 * an open window of up to 240 unpacked points in Redis (docs/write-path.md, "Windows").
 */
export const DEFAULT_WINDOW_MS = 4 * 3_600_000;

export function windowStart(timestampMs: number, windowMs: number): number {
  return timestampMs - (((timestampMs % windowMs) + windowMs) % windowMs);
}
