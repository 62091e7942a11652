import { decodeManifest, encodeManifest, hexHash, type BlockSet, type ColdKeys, type Manifest, type ObjectStore } from '@strata/storage/cold';
import type { ArchiverMetrics } from './archiver-metrics';

export type ObjectKind = 'day_block' | 'month_block' | 'year_block' | 'manifest' | 'catalog';

/**
 * The archiver's view of the bucket: manifests read fresh (never cached: the archiver is
 * the only writer and must build on the latest), objects written with metrics, and the
 * names of the blocks a block set references.
 */
export class ColdObjects {
  constructor(
    readonly store: ObjectStore,
    readonly keys: ColdKeys,
    private readonly metrics: ArchiverMetrics,
  ) {}

  async readManifest(tenant: string, month: number): Promise<{ manifest?: Manifest; bytes?: Uint8Array }> {
    const bytes = await this.store.get(this.keys.manifest(tenant, month));
    return bytes ? { manifest: decodeManifest(bytes), bytes } : {};
  }

  /** Writes the manifest unless the bucket already holds exactly these bytes; returns whether it wrote. */
  async writeManifest(manifest: Manifest, previous?: Uint8Array): Promise<boolean> {
    const bytes = encodeManifest(manifest);
    if (previous && Buffer.compare(Buffer.from(previous), Buffer.from(bytes)) === 0) return false;
    await this.put(this.keys.manifest(manifest.tenant, manifest.month), bytes, 'manifest');
    return true;
  }

  async put(key: string, bytes: Uint8Array, kind: ObjectKind): Promise<void> {
    await this.store.put(key, bytes);
    this.metrics.objectsWritten.inc({ kind });
    this.metrics.bytesWritten.inc({ kind }, bytes.length);
  }

  dayBlockKeys(tenant: string, day: number, set: BlockSet): string[] {
    return set.blocks.map((b) => this.keys.dayBlock(tenant, day, b.shard, set.shardCount, b.hash));
  }

  monthBlockKeys(tenant: string, month: number, set: BlockSet): string[] {
    return set.blocks.map((b) => this.keys.monthBlock(tenant, month, b.shard, set.shardCount, b.hash));
  }

  /** Deletes every object under `prefix` that `keep` does not name; returns how many. */
  async collect(prefix: string, keep: readonly string[]): Promise<number> {
    const kept = new Set(keep);
    const { keys } = await this.store.list(prefix);
    const stale = keys.filter((k) => !kept.has(k));
    if (stale.length > 0) await this.store.delete(stale);
    this.metrics.objectsDeleted.inc(stale.length);
    return stale.length;
  }
}

export function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return hexHash(a) === hexHash(b);
}
