/* eslint-disable no-console -- a benchmark prints its numbers */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** One row of the comparison: a figure per system (absent where it was not measured), and which way is better. */
export interface Row {
  readonly row: string;
  readonly unit: string;
  readonly better: 'lower' | 'higher';
  readonly values: Readonly<Record<string, number | undefined>>;
}

export interface VersusTable {
  readonly startedAt: string;
  readonly loadAverage: readonly number[];
  readonly cores: number;
  readonly systems: ReadonlyArray<{ name: string; version: string; configuration: readonly string[] }>;
  readonly rows: readonly Row[];
  readonly notes: readonly string[];
}

const SHORT: Record<string, string> = { VictoriaMetrics: 'VM', Prometheus: 'Prom' };

const format = (v: number | undefined) => {
  if (v === undefined || !Number.isFinite(v)) return '-';
  if (Math.abs(v) >= 100_000) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
};

/** Strata's figure over the peer's: above 1 means Strata's is larger (worse where lower is better). */
export function ratio(row: Row, peer: string): number | undefined {
  const strata = row.values['Strata'];
  const other = row.values[peer];
  if (strata === undefined || other === undefined || !Number.isFinite(strata) || !Number.isFinite(other) || other === 0) return undefined;
  return strata / other;
}

export function printTable(table: VersusTable): void {
  const names = table.systems.map((s) => s.name);
  const peers = names.filter((n) => n !== 'Strata');
  const head = ['', 'unit', ...names, ...peers.map((p) => `Strata/${SHORT[p] ?? p}`)];
  const body = table.rows.map((r) => [r.row, `${r.unit} (${r.better === 'lower' ? '-' : '+'})`, ...names.map((n) => format(r.values[n])), ...peers.map((p) => {
    const x = ratio(r, p);
    return x === undefined ? '-' : `${x < 0.1 ? x.toPrecision(2) : x.toFixed(2)}x`;
  })]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}`;
  console.log(['', `versus: ${table.startedAt}, ${table.cores} cores, load average at start ${table.loadAverage.map((l) => l.toFixed(2)).join(' ')}`, line(head), ...body.map(line), '  unit (-): lower is better; (+): higher is better', ...table.notes.map((n) => `  ${n}`)].join('\n'));
}

export function writeTable(table: VersusTable, file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const rows = table.rows.map((r) => ({ ...r, ratios: Object.fromEntries(table.systems.filter((s) => s.name !== 'Strata').map((s) => [s.name, ratio(r, s.name) ?? null])) }));
  fs.writeFileSync(file, `${JSON.stringify({ ...table, rows }, null, 2)}\n`);
}
