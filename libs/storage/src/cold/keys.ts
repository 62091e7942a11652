import { crc32 } from '../codec/crc32';
import { utf8 } from './byte-io';
import { dayIso, monthIso, parseMonthIso } from './periods';

/** Blocks are named by the first 16 bytes of their SHA-256, so a name never changes meaning. */
export const BLOCK_HASH_BYTES = 16;
/** Ends every month manifest's key. */
const MANIFEST_SUFFIX = '.stm';
/** Most shards a day or month of one tenant may be split into. */
export const MAX_SHARDS = 1 << 16;

/**
 * The shard of a series in a period split into `shardCount` blocks: the low bits of the
 * CRC-32 of its UTF-8 key. `shardCount` is a power of two.
 */
export function shardOf(seriesKey: string, shardCount: number): number {
  return crc32(utf8(seriesKey)) & (shardCount - 1);
}

export function isShardCount(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= MAX_SHARDS && (n & (n - 1)) === 0;
}

export function hexHash(hash: Uint8Array): string {
  return Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('hex');
}

/**
 * Object names of the cold tier. Everything of a tenant lies under `<prefix>v1/<tenant>/`
 * (tenants match [a-zA-Z0-9_-]{1,64}, safe in a key):
 *
 * - `manifest/<YYYY-MM>.stm` — which days (and month rollups) of the month are archived
 * - `day/<YYYY-MM-DD>/<shard>-of-<n>-<hash>.stb` — a day block
 * - `month/<YYYY-MM>/<shard>-of-<n>-<hash>.stb` — a month rollup block
 * - `catalog/<YYYY>.stc` — the year's month manifests in one object, and its year rollup
 * - `year/<YYYY>/<shard>-of-<n>-<hash>.stb` — a year rollup block (1 d rows)
 *
 * and `<prefix>archiver-status.json` holds when the archiver last completed a run.
 */
export class ColdKeys {
  constructor(readonly prefix = '') {}

  tenantPrefix(tenant: string): string {
    return `${this.prefix}v1/${tenant}/`;
  }

  /** The archiver's run status (outside every tenant's directory; not archived data). */
  status(): string {
    return `${this.prefix}archiver-status.json`;
  }

  /** Prefix under which every tenant directory lies. */
  rootPrefix(): string {
    return `${this.prefix}v1/`;
  }

  manifest(tenant: string, month: number): string {
    return `${this.tenantPrefix(tenant)}manifest/${monthIso(month)}${MANIFEST_SUFFIX}`;
  }

  /** Where the month manifests of a tenant lie (listed by the retention sweep). */
  manifestPrefix(tenant: string): string {
    return `${this.tenantPrefix(tenant)}manifest/`;
  }

  /** The month a key from a LIST of `manifestPrefix(tenant)` names (the inverse of `manifest`), or undefined for any other key. */
  manifestMonth(tenant: string, key: string): number | undefined {
    const prefix = this.manifestPrefix(tenant);
    if (!key.startsWith(prefix) || !key.endsWith(MANIFEST_SUFFIX)) return undefined;
    return parseMonthIso(key.slice(prefix.length, -MANIFEST_SUFFIX.length));
  }

  catalog(tenant: string, year: number): string {
    return `${this.tenantPrefix(tenant)}catalog/${year}.stc`;
  }

  yearPrefix(tenant: string, year: number): string {
    return `${this.tenantPrefix(tenant)}year/${year}/`;
  }

  yearBlock(tenant: string, year: number, shard: number, shardCount: number, hash: Uint8Array): string {
    return `${this.yearPrefix(tenant, year)}${shard}-of-${shardCount}-${hexHash(hash)}.stb`;
  }

  dayPrefix(tenant: string, day: number): string {
    return `${this.tenantPrefix(tenant)}day/${dayIso(day)}/`;
  }

  monthPrefix(tenant: string, month: number): string {
    return `${this.tenantPrefix(tenant)}month/${monthIso(month)}/`;
  }

  dayBlock(tenant: string, day: number, shard: number, shardCount: number, hash: Uint8Array): string {
    return `${this.dayPrefix(tenant, day)}${shard}-of-${shardCount}-${hexHash(hash)}.stb`;
  }

  monthBlock(tenant: string, month: number, shard: number, shardCount: number, hash: Uint8Array): string {
    return `${this.monthPrefix(tenant, month)}${shard}-of-${shardCount}-${hexHash(hash)}.stb`;
  }
}
