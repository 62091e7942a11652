import type { Cluster, Redis } from 'ioredis';
import { decodeChunk } from '../codec/chunk';
import { StorageError } from '../errors';
import { hotKeys, seriesId, windowStart } from './hot-keys';
import { clipColumns, concatRuns, EMPTY_COLUMNS, mergeNewestFirst, type SortedColumns } from '../core/columns';
import { decodePackedHot } from './hot-value';
import { mayBeSuperseded, withoutSuperseded } from './seal-merge';
import type { SealOffsets } from './seal-offsets';
import { decodeWindowHash } from './window-hash';

type Client = Redis | Cluster;

// KEYS: the open hash, the sealing hash and the packed copy of each window, in that order.
// One call instead of three commands a window: what a small read costs the reader is mostly
// per command. Atomic besides, which the order of the keys no longer has to stand in for.
const READ_WINDOWS = `
local out = {}
for i = 1, #KEYS, 3 do
  out[#out + 1] = redis.call('HGETALL', KEYS[i])
  out[#out + 1] = redis.call('HGETALL', KEYS[i + 1])
  out[#out + 1] = redis.call('GET', KEYS[i + 2])
end
return out
`;

interface ReadCommands {
  strataReadWindowsBuffer(numberOfKeys: number, ...keys: string[]): Promise<unknown>;
}

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
 * One call per series: a Lua script that reads HGETALL open, HGETALL sealing, GET packed
 * for every window asked for. All keys of a series share the hash tag `{sid}`, so on Redis
 * Cluster the call goes to one node. The script runs atomically, so a seal running
 * concurrently is seen wholly before or wholly after; the keys are read in the order points
 * move through them (open -> sealing -> packed) all the same, and where a point is seen
 * twice, the merge keeps the newer layer's value.
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
  ) {
    redis.defineCommand('strataReadWindows', { lua: READ_WINDOWS });
  }

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
    const keys: string[] = [];
    for (const start of starts) keys.push(hotKeys.open(sid, start), hotKeys.sealing(sid, start), hotKeys.packed(sid, start));
    let reply: unknown;
    try {
      // Buffers: a hash stays the flat [field, value, ...] array Redis sent, with no string per field.
      reply = await (this.redis as unknown as ReadCommands).strataReadWindowsBuffer(keys.length, ...keys);
    } catch (error) {
      throw new HotReadError(tenant, seriesKey, (error as Error).message, error);
    }
    if (!Array.isArray(reply) || reply.length !== keys.length) {
      throw new HotReadError(tenant, seriesKey, `expected ${keys.length} replies from the window read, got ${Array.isArray(reply) ? reply.length : typeof reply}`);
    }
    const results = reply as Array<Buffer[] | Buffer | null>;
    const windows: HotWindowParts[] = [];
    starts.forEach((start, w) => {
      const corrupt = (reason: string) => new HotChunkCorruptError(tenant, seriesKey, start, reason);
      let open = decodeWindowHash(start, results[w * 3] as Buffer[] | null, corrupt);
      let sealing = decodeWindowHash(start, results[w * 3 + 1] as Buffer[] | null, corrupt);
      const raw = (results[w * 3 + 2] as Buffer | null) ?? null;
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
