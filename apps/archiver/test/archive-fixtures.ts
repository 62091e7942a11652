import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { concatRuns, DAY_MS, mergeNewerOver, type SortedColumns } from '@strata/storage';
import { decodeChunk, encodeChunk } from '@strata/storage/codec';
import { BlockKind, monthOfDay, openBlock, splitRawPart, type ColdKeys, type Manifest, type ObjectStore, decodeManifest } from '@strata/storage/cold';
import { type DayIndexEntry, dayIndexShard, type DynamoWarmStore, type WarmChunk } from '@strata/storage/warm';

export const HOUR = 3_600_000;
export const W = 2 * HOUR;
export const BUNDLE = join(__dirname, '../../../dist/apps/archiver/main.js');

export type Layer = Map<number, number>;

/** Random points in [start, start + W): mostly 2-decimal gauges, some full floats, an occasional -0. */
export function windowPoints(random: () => number, start: number, n: number): Layer {
  const layer: Layer = new Map();
  while (layer.size < n) {
    const t = start + Math.floor(random() * W);
    const r = random();
    layer.set(t, r < 0.75 ? Math.round((random() - 0.3) * 10_000) / 100 : r < 0.98 ? (random() - 0.5) * 1e6 : -0);
  }
  return layer;
}

export function toChunk(tenant: string, seriesKey: string, start: number, layer: Layer): WarmChunk {
  const sorted = [...layer].sort((a, b) => a[0] - b[0]);
  return { tenant, seriesKey, start, chunk: encodeChunk(sorted.map(([timestampMs, value]) => ({ timestampMs, value }))), count: sorted.length };
}

/** Runs the archiver bundle; resolves with how it ended. `killAfterMs` sends it SIGKILL then. */
export function runBundle(env: NodeJS.ProcessEnv, args: readonly string[], options: { killAfterMs?: number } = {}) {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: build it first (npx nx build archiver)`);
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, [BUNDLE, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

/** Every archived object of a store (the run status aside), as key → SHA-256 of its bytes. */
export async function snapshot(store: ObjectStore): Promise<Record<string, string>> {
  const { keys } = await store.list('v1/');
  const out: Record<string, string> = {};
  for (const key of keys) out[key] = createHash('sha256').update((await store.get(key))!).digest('hex');
  return out;
}

/**
 * What a reader could see of a series over `days`: the raw points of the blocks the
 * manifests name (every named block must exist), with DynamoDB's chunks over them
 * (newer wins). Throws if a manifest names a missing block.
 */
export async function visiblePoints(
  store: ObjectStore,
  keys: ColdKeys,
  warm: Pick<DynamoWarmStore, 'queryChunks'>,
  tenant: string,
  seriesKey: string,
  days: readonly number[],
): Promise<Array<[number, number]>> {
  const manifests = new Map<number, Manifest | undefined>();
  const runs: SortedColumns[] = [];
  for (const day of days) {
    const month = monthOfDay(day);
    if (!manifests.has(month)) {
      const bytes = await store.get(keys.manifest(tenant, month));
      manifests.set(month, bytes ? decodeManifest(bytes) : undefined);
    }
    const entry = manifests.get(month)?.days.find((d) => d.day === day);
    if (!entry) continue;
    for (const ref of entry.blocks) {
      const key = keys.dayBlock(tenant, day, ref.shard, entry.shardCount, ref.hash);
      const block = await store.get(key);
      if (!block) throw new Error(`the manifest names ${key}, which is missing`);
      const opened = openBlock(block);
      if (opened.index.identity.kind !== BlockKind.Day) throw new Error(`${key} is not a day block`);
      const found = opened.index.byKey.get(seriesKey);
      if (found) runs.push(concatRuns(splitRawPart(opened.section(found).parts.raw).map((c) => decodeChunk(c))));
    }
  }
  let visible = concatRuns(runs);
  for (const day of days) {
    const chunks = await warm.queryChunks(tenant, seriesKey, day * DAY_MS, (day + 1) * DAY_MS - 1, { consistent: true });
    for (const c of chunks) visible = mergeNewerOver(decodeChunk(c.chunk), visible);
  }
  return Array.from(visible.timestamps, (t, i) => [t, visible.values[i]]);
}

export const sortedPairs = (layer: Layer): Array<[number, number]> => [...layer].sort((a, b) => a[0] - b[0]);

/**
 * The warm tier's archive API in memory: chunks by (tenant, series, start), the day index
 * as the writer keeps it (`put` writes each series-day's entry with a new token, as a seal
 * of a day older than yesterday does), conditional deletes of both. `beforeDelete` lets a
 * spec change a chunk between the archiver reading it and deleting it (a late re-seal).
 */
export class MemoryWarmArchive {
  readonly chunks = new Map<string, WarmChunk>();
  /** Day-index entries by "day\0tenant\0series", holding their token. */
  readonly index = new Map<string, string>();
  readonly log: string[] = [];
  readonly dayIndexShards = 8;
  beforeDelete: ((chunk: WarmChunk) => void) | undefined;
  private tokens = 0;

  put(chunks: readonly WarmChunk[]): void {
    for (const c of chunks) {
      this.index.set(`${Math.floor(c.start / DAY_MS)}\u0000${c.tenant}\u0000${c.seriesKey}`, `t${++this.tokens}`);
      this.chunks.set(`${c.tenant}\u0000${c.seriesKey}\u0000${c.start}`, c);
    }
  }

  async dayIndexEntries(day: number, shard: number): Promise<DayIndexEntry[]> {
    const out: DayIndexEntry[] = [];
    for (const [id, token] of this.index) {
      const [d, tenant, seriesKey] = id.split('\u0000');
      if (Number(d) === day && dayIndexShard(tenant, seriesKey, this.dayIndexShards) === shard) out.push({ tenant, seriesKey, day, token });
    }
    return out;
  }

  /** No legacy archive index unless a spec replaces this. */
  async legacyArchivableSeries(_day: number, _shard: number): Promise<Array<{ tenant: string; seriesKey: string }>> {
    return [];
  }

  async deleteDayIndexEntryIf(entry: DayIndexEntry): Promise<boolean> {
    const id = `${entry.day}\u0000${entry.tenant}\u0000${entry.seriesKey}`;
    this.log.push(`unindex ${entry.seriesKey}@${entry.day}`);
    if (this.index.get(id) !== entry.token) return false;
    this.index.delete(id);
    return true;
  }

  async queryChunks(tenant: string, seriesKey: string, fromStart: number, toStart: number): Promise<WarmChunk[]> {
    return [...this.chunks.values()].filter((c) => c.tenant === tenant && c.seriesKey === seriesKey && c.start >= fromStart && c.start <= toStart).sort((a, b) => a.start - b.start);
  }

  async deleteChunkIf(tenant: string, seriesKey: string, start: number, chunk: Uint8Array): Promise<boolean> {
    const id = `${tenant}\u0000${seriesKey}\u0000${start}`;
    const current = this.chunks.get(id);
    if (current) this.beforeDelete?.(current);
    const now = this.chunks.get(id);
    this.log.push(`delete ${seriesKey}@${start}`);
    if (!now || Buffer.compare(Buffer.from(now.chunk), Buffer.from(chunk)) !== 0) return false;
    this.chunks.delete(id);
    return true;
  }
}

/** The late-write ledger's semantics in memory (LateWriteLedger keeps them in Redis). */
export class MemoryLedger {
  readonly writes = new Map<string, number>();
  readonly marks = new Map<string, number>();
  failing = false;

  /** What the writer does after chunks of an old day are durable. */
  record(tenant: string, day: number): void {
    const id = `${day}/${tenant}`;
    this.writes.set(id, (this.writes.get(id) ?? 0) + 1);
  }

  async writeCounts(day: number): Promise<Map<string, number>> {
    if (this.failing) throw new Error('ECONNREFUSED');
    const out = new Map<string, number>();
    for (const [id, n] of this.writes) if (id.startsWith(`${day}/`)) out.set(id.slice(`${day}/`.length), n);
    return out;
  }

  async markClean(tenant: string, day: number, seenWrites: number): Promise<boolean> {
    if (this.failing) throw new Error('ECONNREFUSED');
    const id = `${day}/${tenant}`;
    if ((this.writes.get(id) ?? 0) !== seenWrites) return false;
    this.marks.set(id, seenWrites);
    return true;
  }

  isClean(tenant: string, day: number): boolean {
    const id = `${day}/${tenant}`;
    return this.marks.has(id) && this.marks.get(id) === (this.writes.get(id) ?? 0);
  }
}
