import type { Cluster, Redis } from 'ioredis';
import { decodeChunk } from '../codec/chunk';
import { StorageError } from '../errors';
import { hotKeys, seriesId, windowStart } from './hot-keys';
import { clipColumns, concatRuns, EMPTY_COLUMNS, mergeNewestFirst, type SortedColumns } from '../core/columns';
import { decodeHotValue, decodePackedHot } from './hot-value';
import { mayBeSuperseded, withoutSuperseded, type UnsealedColumns } from './seal-merge';
import type { SealOffsets } from './seal-offsets';
import { MAX_WINDOW_MS } from './window-env';

type Client = Redis | Cluster;

export interface HotReaderOptions {
  /** Window length; must equal the writer's STRATA_WINDOW_MS. */
  readonly windowMs: number;
}

/** What the hot tier holds for one window of one series, newest layer first. */
export interface HotWindowParts {
  readonly start: number;
  /** Open hash: points written since the last seal (newest). */
  readonly open: SortedColumns;
  /** Sealing hash: points a seal in progress took from `open`. */
  readonly sealing: SortedColumns;
  /** Packed chunk of the last finished seal (oldest), still encoded; null when absent. */
  readonly packed: Uint8Array | null;
  /** What `packed`'s seal knows of record offsets; absent with `packed`. */
  readonly seal?: SealOffsets;
}

/** The hot tier could not answer; `retriable` is true (Redis down, timeout, failover). */
export class HotReadError extends StorageError {
  constructor(
    readonly tenant: string,
    readonly seriesKey: string,
    reason: string,
    cause?: unknown,
  ) {
    super(`redis read of ${seriesKey} (tenant ${tenant}) failed: ${reason}`, true, { context: { tenant, seriesKey } });
    if (cause !== undefined) this.cause = cause;
  }
}

/** A packed chunk in Redis did not decode. Not retriable: the bytes are wrong. */
export class HotChunkCorruptError extends StorageError {
  constructor(
    readonly tenant: string,
    readonly seriesKey: string,
    readonly windowStart: number,
    reason: string,
  ) {
    super(`packed hot chunk of ${seriesKey} (tenant ${tenant}) for the window at ${windowStart} is corrupt: ${reason}`, false, {
      context: { tenant, seriesKey, windowStart },
    });
  }
}

/**
 * Reads the Redis hot tier (docs/write-path.md has the key schema). Never writes.
 *
 * One round trip per series: a pipeline of HGETALL open, HGETALL sealing, GET packed for
 * every window asked for. All keys of a series share the hash tag `{sid}`, so on Redis
 * Cluster the pipeline goes to one node. No MULTI is needed: within a window the three
 * keys are read in the order points move through them (open -> sealing -> packed), so a
 * seal running concurrently can move a point only to a key read later, and every point
 * is seen at least once; where it is seen twice, the merge keeps the newer layer's value.
 *
 * Unsealed points from a record at or below the one behind the packed copy's value for
 * their timestamp (a replay's old records, until the sealer drops them) are left out, so `open` and `sealing` always win over `packed` afterwards. Only then
 * is a packed chunk decoded here; normally it stays encoded for the caller.
 *
 * Safe to share between concurrent calls.
 */
export class RedisHotReader {
  constructor(
    private readonly redis: Client,
    readonly options: HotReaderOptions,
  ) {}

  /** Window starts (ascending) of every window overlapping [fromMs, toMs). */
  windowsOverlapping(fromMs: number, toMs: number): number[] {
    const starts: number[] = [];
    if (toMs <= fromMs) return starts;
    for (let s = windowStart(fromMs, this.options.windowMs); s < toMs; s += this.options.windowMs) starts.push(s);
    return starts;
  }

  /**
   * The raw layers of the given windows (ascending starts); windows with nothing in Redis
   * are left out. Packed chunks stay encoded so a caller may decode them off the event
   * loop. Rejects with {@link HotReadError} when Redis does not answer every command.
   */
  async fetchWindows(tenant: string, seriesKey: string, starts: readonly number[]): Promise<HotWindowParts[]> {
    if (starts.length === 0) return [];
    const sid = seriesId(tenant, seriesKey);
    const pipeline = this.redis.pipeline();
    for (const start of starts) {
      // Upper case on purpose: ioredis turns an `hgetall` reply into an object, which costs
      // more than the points themselves for a large window (about 4 us a field, measured);
      // as `HGETALL` the reply stays the flat [field, value, ...] array Redis sent.
      pipeline.callBuffer('HGETALL', hotKeys.open(sid, start));
      pipeline.callBuffer('HGETALL', hotKeys.sealing(sid, start));
      pipeline.getBuffer(hotKeys.packed(sid, start));
    }
    let results: Array<[Error | null, unknown]> | null;
    try {
      results = await pipeline.exec();
    } catch (error) {
      throw new HotReadError(tenant, seriesKey, (error as Error).message, error);
    }
    if (!results || results.length !== starts.length * 3) {
      throw new HotReadError(tenant, seriesKey, 'the pipeline was aborted (connection lost?)');
    }
    const failed = results.find(([error]) => error !== null);
    if (failed) throw new HotReadError(tenant, seriesKey, failed[0]!.message, failed[0]);
    const windows: HotWindowParts[] = [];
    starts.forEach((start, w) => {
      const corrupt = (reason: string) => new HotChunkCorruptError(tenant, seriesKey, start, reason);
      let open = hashToColumns(start, results[w * 3][1] as Buffer[] | null, corrupt);
      let sealing = hashToColumns(start, results[w * 3 + 1][1] as Buffer[] | null, corrupt);
      const raw = (results[w * 3 + 2][1] as Buffer | null) ?? null;
      if (raw === null) {
        if (open.timestamps.length > 0 || sealing.timestamps.length > 0) windows.push({ start, open, sealing, packed: null });
        return;
      }
      let packed: ReturnType<typeof decodePackedHot>;
      try {
        packed = decodePackedHot(raw);
      } catch (error) {
        throw corrupt((error as Error).message);
      }
      const seal: SealOffsets = { base: packed.sealOffset, points: packed.pointOffsets };
      if (mayBeSuperseded(open.offsets, seal) || mayBeSuperseded(sealing.offsets, seal)) {
        const sealed = decodeOrThrow(packed.chunk, corrupt);
        open = withoutSuperseded(open, sealed, seal);
        sealing = withoutSuperseded(sealing, sealed, seal);
      }
      windows.push({ start, open, sealing, packed: packed.chunk, seal });
    });
    return windows;
  }

  /**
   * Every point the hot tier holds for a series in [fromMs, toMs), merged per timestamp
   * (open over sealing over packed) and decoded inline. For large ranges prefer
   * {@link fetchWindows} and decode the packed chunks elsewhere.
   */
  async read(tenant: string, seriesKey: string, fromMs: number, toMs: number): Promise<SortedColumns> {
    const windows = await this.fetchWindows(tenant, seriesKey, this.windowsOverlapping(fromMs, toMs));
    const runs = windows.map((w) => {
      const packed = w.packed ? decodeOrThrow(w.packed, (reason) => new HotChunkCorruptError(tenant, seriesKey, w.start, reason)) : EMPTY_COLUMNS;
      return mergeHotWindow(w, packed);
    });
    return clipColumns(concatRuns(runs), fromMs, toMs);
  }
}

/** One window's points: open over sealing over the decoded packed chunk. */
export function mergeHotWindow(parts: HotWindowParts, packed: SortedColumns): SortedColumns {
  return mergeNewestFirst([parts.open, parts.sealing, packed]);
}

function decodeOrThrow(chunk: Uint8Array, corrupt: (reason: string) => Error): SortedColumns {
  try {
    return decodeChunk(chunk);
  } catch (error) {
    throw corrupt((error as Error).message);
  }
}

const NO_UNSEALED: UnsealedColumns = Object.freeze({ ...EMPTY_COLUMNS, offsets: [] });

/**
 * A window hash as sorted columns, from HGETALL's flat reply [field, value, field, value,
 * ...]: field = ms offset from the window start in decimal, value = hot-value.ts bytes.
 * Large windows (100,000 fields) are read on every Read of them, so this avoids an object
 * per point: the offsets and the field indexes are sorted together as one float64 key.
 */
function hashToColumns(start: number, pairs: readonly Buffer[] | null, corrupt: (reason: string) => Error): UnsealedColumns {
  const n = pairs ? pairs.length >> 1 : 0;
  if (n === 0) return NO_UNSEALED;
  if (n > MAX_FIELDS) throw corrupt(`window hash of ${n} fields; a window holds at most ${MAX_FIELDS}`);
  // key = offset from the window start x 2^24 + field index: both below 2^24 (a window is at
  // most 2^24 ms, MAX_WINDOW_MS), so the key is an exact integer below 2^48 and a plain
  // numeric sort orders by time and keeps the index.
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const at = fieldOffset(pairs![2 * i]);
    if (at < 0) throw corrupt(`field ${pairs![2 * i].toString('latin1').slice(0, 32)}: not a millisecond offset within a window`);
    keys[i] = at * MAX_FIELDS + i;
  }
  keys.sort();
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  const offsets = new Array<number | undefined>(n);
  for (let k = 0; k < n; k++) {
    const i = keys[k] % MAX_FIELDS;
    timestamps[k] = start + (keys[k] - i) / MAX_FIELDS;
    const bytes = pairs![2 * i + 1];
    try {
      const decoded = decodeHotValue(bytes);
      values[k] = decoded.value;
      offsets[k] = decoded.offset;
    } catch (error) {
      throw corrupt(`field ${pairs![2 * i].toString('latin1')}: ${(error as Error).message}`);
    }
  }
  return { timestamps, values, offsets };
}

/** The bound of a field's ms offset, and so of the fields of one window hash: 2^24. */
const MAX_FIELDS = MAX_WINDOW_MS;

/** A field's ms offset: ASCII decimal digits, below 2^24; -1 for anything else. */
function fieldOffset(field: Buffer): number {
  if (field.length === 0 || field.length > 8) return -1;
  let at = 0;
  for (let i = 0; i < field.length; i++) {
    const digit = field[i] - 48;
    if (digit < 0 || digit > 9) return -1;
    at = at * 10 + digit;
  }
  return at < MAX_FIELDS ? at : -1;
}
