import { isPermanent, type Logger } from '@strata/runtime';
import { decodeChunk, encodeChunk } from '@strata/storage/codec';
import { MAX_PARTITION_KEY_BYTES, warmPartitionKey, type DynamoWarmStore, type WarmChunk, type WarmWriteEvents } from '@strata/storage/warm';
import type { WriterMetrics } from './writer-metrics';

/** How often the gauge of quarantined windows is read from the warm table's listing. */
export const QUARANTINE_GAUGE_REFRESH_MS = 60_000;

/** A window DynamoDB refused for good, with what it said. */
export interface Refused {
  readonly chunk: WarmChunk;
  readonly error: unknown;
}

/**
 * Writes `chunks` with `put` and, when `put` refuses them for good, finds which windows it
 * refuses by halving the batch: a single poisoned window among 25 costs about 2 log2(25)
 * calls more, and every healthy window is still written. Returns the refused windows;
 * any other error (retriable, an abort, or one from outside the tree: quarantining on an
 * error nobody classified would move healthy windows aside) rejects as before.
 */
export async function writeIsolated(chunks: readonly WarmChunk[], put: (chunks: WarmChunk[]) => Promise<void>): Promise<Refused[]> {
  if (chunks.length === 0) return [];
  try {
    await put([...chunks]);
    return [];
  } catch (error) {
    if (!isPermanent(error)) throw error;
    if (chunks.length === 1) return [{ chunk: chunks[0], error }];
    const half = Math.ceil(chunks.length / 2);
    return [...(await writeIsolated(chunks.slice(0, half), put)), ...(await writeIsolated(chunks.slice(half), put))];
  }
}

export interface QuarantineContext {
  readonly warm: Pick<DynamoWarmStore, 'quarantineWindow'>;
  readonly events: WarmWriteEvents;
  readonly signal?: AbortSignal;
  readonly logger: Logger;
  readonly metrics: WriterMetrics;
  readonly partition: number;
}

/** Characters of a series key put in a log line (keys can be kilobytes long; the hash finds it). */
const LOGGED_SERIES_CHARS = 512;

/**
 * Moves each refused window into the warm table's quarantine (DynamoWarmStore
 * .quarantineWindow: a key that always fits, so its points stay durable past the hot TTL
 * and the log's retention). Returns the windows now durable there; the caller takes them
 * off the due set. A window whose quarantine write fails too stays due and is tried again
 * next round, and the others go on; a lost lease (the signal aborted) stops here.
 */
export async function quarantineRefused(refused: readonly Refused[], context: QuarantineContext): Promise<WarmChunk[]> {
  const done: WarmChunk[] = [];
  for (const { chunk, error } of refused) {
    const where = {
      partition: context.partition,
      tenant: chunk.tenant,
      seriesKey: chunk.seriesKey.slice(0, LOGGED_SERIES_CHARS),
      seriesKeyBytes: Buffer.byteLength(chunk.seriesKey, 'utf8'),
      start: chunk.start,
      startIso: new Date(chunk.start).toISOString(),
      points: chunk.count,
      chunkBytes: chunk.chunk.length,
    };
    if (context.signal?.aborted) break;
    try {
      await context.warm.quarantineWindow(chunk, error, context.events, context.signal);
    } catch (failure) {
      context.metrics.quarantineFailures.inc();
      context.logger.error({ ...where, err: failure, refusal: describe(error) }, 'DynamoDB refused a window and its quarantine failed too; it stays due in Redis and is tried again next round');
      continue;
    }
    done.push(chunk);
    context.metrics.quarantinedWindows.inc();
    context.logger.error({ ...where, err: error }, 'window quarantined: DynamoDB refused it for good; its points are kept in the warm table\'s quarantine (docs/operations.md, "Quarantined windows")');
  }
  return done;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What a re-drive did with one quarantined window. */
export type RedriveOutcome = 'redriven' | 'already-sealed' | 'key-too-long' | 'missing';

/**
 * Moves a quarantined window back to its own partition once the cause is fixed: writes
 * it (merged under any chunk sealed there since, which is newer and wins a tie; the
 * window replaces the quarantine pointer), then drops the quarantined copy. A series whose own key DynamoDB cannot take stays where it
 * is (reads find it there). DynamoDB refusing again rejects, and the copy stays.
 */
export async function redriveQuarantined(
  warm: Pick<DynamoWarmStore, 'getQuarantinedChunk' | 'getSealedChunk' | 'putChunks' | 'releaseQuarantined'>,
  window: { tenant: string; seriesKey: string; start: number },
): Promise<RedriveOutcome> {
  const { tenant, seriesKey, start } = window;
  if (Buffer.byteLength(warmPartitionKey(tenant, seriesKey), 'utf8') > MAX_PARTITION_KEY_BYTES) return 'key-too-long';
  const quarantined = await warm.getQuarantinedChunk(tenant, seriesKey, start);
  if (!quarantined) {
    await warm.releaseQuarantined(tenant, seriesKey, start);
    return 'missing';
  }
  // What the series' own partition holds, not the pointer to this very copy.
  const sealed = await warm.getSealedChunk(tenant, seriesKey, start, { followQuarantine: false });
  const merged = new Map<number, number>();
  const q = decodeChunk(quarantined.chunk);
  q.timestamps.forEach((t, i) => merged.set(t, q.values[i]));
  let added = q.timestamps.length;
  if (sealed) {
    const s = decodeChunk(sealed.chunk);
    s.timestamps.forEach((t, i) => {
      if (merged.has(t)) added--;
      merged.set(t, s.values[i]);
    });
  }
  if (!sealed) {
    // Nothing sealed there since: the quarantined copy goes back as it was, offsets and all.
    const { base, points } = quarantined.seal;
    await warm.putChunks([{ tenant, seriesKey, start, chunk: quarantined.chunk, count: q.timestamps.length, ...(base === undefined ? {} : { sealOffset: base, pointOffsets: points }) }]);
  } else if (added > 0) {
    const timestamps = [...merged.keys()].sort((a, b) => a - b);
    const values = Float64Array.from(timestamps, (t) => merged.get(t)!);
    // The newer seal's offsets: it was made after the quarantine, from the records up to its base.
    const { base, points } = sealed.seal;
    await warm.putChunks([
      { tenant, seriesKey, start, chunk: encodeChunk({ timestamps, values }), count: timestamps.length, mayHaveParts: true, ...(base === undefined ? {} : { sealOffset: base, pointOffsets: points }) },
    ]);
  }
  await warm.releaseQuarantined(tenant, seriesKey, start);
  return sealed && added === 0 ? 'already-sealed' : 'redriven';
}
