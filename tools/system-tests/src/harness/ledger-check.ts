import type { LedgerSeries } from './ack-ledger';

export interface StoredPoints {
  /** Timestamp → value, as read back from the tiers. */
  readonly points: ReadonlyMap<number, number>;
  readonly anomalies?: readonly string[];
}

export interface LedgerCheck {
  /** Acknowledged points compared. */
  readonly checked: number;
  readonly missing: string[];
  readonly wrongValue: string[];
  /** Stored points nobody wrote (or whose every write was refused). */
  readonly extra: string[];
  readonly anomalies: string[];
  readonly ok: boolean;
}

/**
 * Every acknowledged point must be stored with its last acknowledged value (or a value
 * of a later write whose outcome is unknown), and nothing else may be stored. `stored`
 * is keyed by `tenant/seriesKey`; series stored but absent from the ledger are `extra`.
 */
export function checkAgainstLedger(ledger: readonly LedgerSeries[], stored: ReadonlyMap<string, StoredPoints>): LedgerCheck {
  const missing: string[] = [];
  const wrongValue: string[] = [];
  const extra: string[] = [];
  const anomalies: string[] = [];
  let checked = 0;
  const known = new Set<string>();
  for (const series of ledger) {
    const id = `${series.tenant}/${series.seriesKey}`;
    known.add(id);
    const found = stored.get(id);
    for (const a of found?.anomalies ?? []) anomalies.push(`${id}: ${a}`);
    const points = found?.points ?? new Map<number, number>();
    for (const [t, fate] of series.points) {
      const value = points.get(t);
      if (fate.acknowledged !== undefined) checked++;
      if (value === undefined) {
        if (fate.acknowledged !== undefined) missing.push(`${id} @ ${t} (acknowledged ${fate.acknowledged})`);
      } else if (!(fate.acknowledged !== undefined && Object.is(value, fate.acknowledged)) && !fate.unconfirmed.some((u) => Object.is(u, value))) {
        wrongValue.push(`${id} @ ${t}: stored ${value}, acknowledged ${fate.acknowledged ?? 'never'}${fate.unconfirmed.length ? `, unconfirmed ${fate.unconfirmed.join('/')}` : ''}`);
      }
    }
    for (const [t, value] of points) if (!series.points.has(t)) extra.push(`${id} @ ${t} = ${value}`);
  }
  for (const [id, found] of stored) {
    if (known.has(id)) continue;
    for (const [t, value] of found.points) extra.push(`${id} @ ${t} = ${value}`);
  }
  const ok = missing.length + wrongValue.length + extra.length + anomalies.length === 0;
  return { checked, missing, wrongValue, extra, anomalies, ok };
}

/** A few lines per kind of discrepancy, for a failure message. */
export function describeCheck(check: LedgerCheck, limit = 8): string {
  const part = (label: string, items: readonly string[]) =>
    items.length === 0 ? [] : [`${items.length} ${label}:`, ...items.slice(0, limit).map((i) => `  ${i}`), ...(items.length > limit ? ['  ...'] : [])];
  const lines = [
    ...part('missing', check.missing),
    ...part('with a wrong value', check.wrongValue),
    ...part('extra', check.extra),
    ...part('anomalies', check.anomalies),
  ];
  return lines.length === 0 ? `all ${check.checked} acknowledged points present, nothing extra` : lines.join('\n');
}
