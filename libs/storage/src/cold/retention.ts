import type { EnvReader } from '@strata/runtime';
import { DAY_MS } from '../core/time';

/**
 * How long a tenant's points are kept: STRATA_RETENTION_DAYS (default 460), overridden per
 * tenant by STRATA_TENANT_RETENTION_DAYS (`tenant:days,...`), the same variables ingest
 * reads to refuse points older than that. The reader hides older points; the archiver
 * deletes cold days that ended before the cutoff.
 */
export class RetentionPolicy {
  constructor(
    readonly defaultMs: number = 460 * DAY_MS,
    readonly byTenant: ReadonlyMap<string, number> = new Map(),
  ) {}

  retentionMs(tenant: string): number {
    return this.byTenant.get(tenant) ?? this.defaultMs;
  }

  /** The oldest timestamp of `tenant` still kept at `nowMs`. */
  cutoffMs(tenant: string, nowMs: number): number {
    return nowMs - this.retentionMs(tenant);
  }

  /** The first day (number) with anything still kept: every earlier day ended at or before the cutoff. */
  firstKeptDay(tenant: string, nowMs: number): number {
    return Math.floor(this.cutoffMs(tenant, nowMs) / DAY_MS);
  }
}

export function readRetentionEnv(reader: EnvReader): RetentionPolicy {
  const defaultMs = reader.int('STRATA_RETENTION_DAYS', 460, { min: 1, max: 36_500 }) * DAY_MS;
  const byTenant = new Map<string, number>();
  for (const entry of reader.list('STRATA_TENANT_RETENTION_DAYS', [])) {
    const [tenant, days, ...rest] = entry.split(':');
    const parsed = Number(days);
    if (!tenant || rest.length > 0 || !Number.isInteger(parsed) || parsed < 1 || parsed > 36_500) {
      reader.problem(`STRATA_TENANT_RETENTION_DAYS entry ${JSON.stringify(entry)} must be tenant:days with 1 <= days <= 36500`);
    } else {
      byTenant.set(tenant, parsed * DAY_MS);
    }
  }
  return new RetentionPolicy(defaultMs, byTenant);
}
