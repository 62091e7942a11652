import { readTenantOverrides } from '@strata/model';
import type { EnvReader } from '@strata/runtime';
import { DAY_MS } from './time';

/**
 * How long a tenant's points are kept: STRATA_RETENTION_DAYS (default 460), overridden per
 * tenant by STRATA_TENANT_RETENTION_DAYS (`tenant:days,...`). Ingest refuses older points,
 * the reader hides them, and the archiver deletes cold days that ended before the cutoff.
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

/**
 * Reads the retention every service applies (ingest refuses, the reader hides, the archiver
 * deletes), so that one parser gives them the same policy.
 */
export function readRetentionEnv(reader: EnvReader): RetentionPolicy {
  const defaultMs = reader.int('STRATA_RETENTION_DAYS', 460, { min: 1, max: 36_500 }) * DAY_MS;
  const values = readTenantOverrides(reader, 'STRATA_TENANT_RETENTION_DAYS', { min: 1, max: 36_500, unit: 'days' });
  return new RetentionPolicy(defaultMs, new Map([...values].map(([tenant, days]) => [tenant, days * DAY_MS])));
}
