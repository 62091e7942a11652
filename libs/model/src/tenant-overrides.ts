/** What {@link parseTenantOverrides} found: the valid entries, and one problem per bad entry. */
export interface TenantOverrides {
  readonly values: ReadonlyMap<string, number>;
  readonly problems: readonly string[];
}

/**
 * Parses per-tenant overrides of one integer setting, written `tenant:value` (the entries
 * of a comma-separated variable such as `STRATA_TENANT_MAX_SERIES=acme:5000,beta:200`).
 * Every bad entry becomes a problem naming the variable, so start-up can fail listing
 * them all; a tenant named twice is a problem too, since one of the two would be ignored.
 */
export function parseTenantOverrides(
  variable: string,
  entries: readonly string[],
  range: { readonly min: number; readonly max?: number; readonly unit: string },
): TenantOverrides {
  const values = new Map<string, number>();
  const problems: string[] = [];
  for (const entry of entries) {
    const separator = entry.lastIndexOf(':');
    const tenant = entry.slice(0, Math.max(separator, 0)).trim();
    const raw = entry.slice(separator + 1).trim();
    const value = Number(raw);
    const inRange = value >= range.min && (range.max === undefined || value <= range.max);
    if (separator <= 0 || tenant.length === 0 || !/^\d+$/.test(raw) || !Number.isSafeInteger(value) || !inRange) {
      const bounds = range.max === undefined ? `>= ${range.min}` : `from ${range.min} to ${range.max}`;
      problems.push(`${variable} entry ${JSON.stringify(entry)} must be tenant:${range.unit} with ${range.unit} ${bounds}`);
    } else if (values.has(tenant)) {
      problems.push(`${variable} names tenant ${tenant} twice`);
    } else {
      values.set(tenant, value);
    }
  }
  return { values, problems };
}

/** The part of the runtime's EnvReader {@link readTenantOverrides} needs (the model imports nothing). */
export interface ListSettingReader {
  list(name: string, fallback: readonly string[]): string[];
  problem(message: string): void;
}

/**
 * Reads a variable of per-tenant overrides (`tenant:value,...`, unset: none), recording each
 * bad entry as a problem of the process's settings so start-up fails listing them all.
 */
export function readTenantOverrides(
  reader: ListSettingReader,
  variable: string,
  range: { readonly min: number; readonly max?: number; readonly unit: string },
): ReadonlyMap<string, number> {
  const { values, problems } = parseTenantOverrides(variable, reader.list(variable, []), range);
  problems.forEach((problem) => reader.problem(problem));
  return values;
}

/**
 * The setting that set a tenant's value, for messages: `<variable>_OVERRIDES for <tenant>`
 * when the tenant has a value of its own there, else `<variable>` itself.
 */
export function appliedSetting(variable: string, tenant: string, overridden: boolean): string {
  return overridden ? `${variable}_OVERRIDES for ${tenant}` : variable;
}
