import { LEGACY_ARCHIVE_INDEX, type DayIndexEntry, type DynamoWarmStore, type WarmChunk, type WarmWriteEvents } from '@strata/storage/warm';
import { mapConcurrently } from '@strata/runtime';

export type DayIndexSource = Pick<DynamoWarmStore, 'dayIndexShards' | 'dayIndexEntries' | 'legacyArchivableSeries' | 'deleteDayIndexEntryIf'>;

/**
 * The series with chunks to archive on `day`, by tenant (sorted by series key, each once):
 * one paginated Query per day-index shard, a few in flight, plus the legacy archive index
 * while the table still has it. Entries found only through the legacy index carry no token:
 * there is no day-index item to delete for them.
 */
export async function discoverDay(warm: DayIndexSource, day: number, concurrency: number): Promise<Map<string, DayIndexEntry[]>> {
  const shards = Array.from({ length: warm.dayIndexShards }, (_, i) => i);
  const lists = await mapConcurrently(shards, concurrency, (shard) => warm.dayIndexEntries(day, shard));
  const legacyShards = Array.from({ length: LEGACY_ARCHIVE_INDEX.shards }, (_, i) => i);
  const legacy = await mapConcurrently(legacyShards, concurrency, (shard) => warm.legacyArchivableSeries(day, shard));
  const byId = new Map<string, DayIndexEntry>();
  for (const entry of lists.flat()) byId.set(`${entry.tenant}#${entry.seriesKey}`, entry);
  for (const s of legacy.flat()) {
    const id = `${s.tenant}#${s.seriesKey}`;
    if (!byId.has(id)) byId.set(id, { tenant: s.tenant, seriesKey: s.seriesKey, day });
  }
  const byTenant = new Map<string, DayIndexEntry[]>();
  for (const entry of byId.values()) byTenant.set(entry.tenant, [...(byTenant.get(entry.tenant) ?? []), entry]);
  for (const entries of byTenant.values()) entries.sort((a, b) => (a.seriesKey < b.seriesKey ? -1 : a.seriesKey > b.seriesKey ? 1 : 0));
  return byTenant;
}

/**
 * The entries of a tenant-day that may leave the index once its archived chunks were
 * deleted: those of series none of whose chunks changed after archiving (`kept`: chunks
 * the conditional delete left in place). A series with no chunk at all (its chunks were
 * deleted by a run killed before it cleared the entry) goes too.
 */
export function entriesToClear(entries: readonly DayIndexEntry[], kept: readonly WarmChunk[]): DayIndexEntry[] {
  const stays = new Set(kept.map((c) => c.seriesKey));
  return entries.filter((e) => e.token !== undefined && !stays.has(e.seriesKey));
}

/**
 * Deletes entries, each only if it still holds the token it was read with (a series
 * re-sealed meanwhile keeps its entry). Returns how many were deleted.
 */
export async function clearEntries(warm: DayIndexSource, entries: readonly DayIndexEntry[], concurrency: number, events: WarmWriteEvents = {}): Promise<number> {
  const outcomes = await mapConcurrently(entries, concurrency, (e) => warm.deleteDayIndexEntryIf(e, events));
  return outcomes.filter(Boolean).length;
}
