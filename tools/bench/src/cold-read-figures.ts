// Records the cold read benchmark's S3 request counts as bench figures. The benchmark
// (apps/reader/bench/cold-read.bench.ts) prints a table; bench.sh pipes it through here,
// which passes every line on unchanged and reads the rows:
//   npx tsx apps/reader/bench/cold-read.bench.ts | npx tsx tools/bench/src/cold-read-figures.ts
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { benchFiguresPath, recordBenchFigures, type MeasuredFigure } from '@strata/testing';

const workspace = resolve(__dirname, '../../..');

/** S3 requests of one query shape, first read (cold caches) and repeated read. */
export interface ColdReadRow {
  readonly step: string;
  readonly first: { readonly metadata: number; readonly index: number; readonly range: number; readonly block: number };
  readonly repeated: { readonly metadata: number; readonly index: number; readonly range: number; readonly block: number };
}

const ROW = /^(\S+(?: \S)?)\s+\d+ \|\s+(\d+) \/ (\d+)\s+(\d+) \/ (\d+)\s+(\d+) \/ (\d+)\s+(\d+) \/ (\d+) \|/;

/** A table row of the cold read benchmark, or undefined for any other line. */
export function parseColdReadRow(line: string): ColdReadRow | undefined {
  const m = ROW.exec(line);
  if (!m) return undefined;
  const n = m.slice(2).map(Number);
  return { step: m[1], first: { metadata: n[0], index: n[2], range: n[4], block: n[6] }, repeated: { metadata: n[1], index: n[3], range: n[5], block: n[7] } };
}

/** The figures of the parsed rows: `s3.coldReadRequests.<step>.{first,repeated}`, every request of the read. */
export function coldReadFigures(rows: readonly ColdReadRow[]): Record<string, MeasuredFigure> {
  const figures: Record<string, MeasuredFigure> = {};
  for (const row of rows) {
    const key = row.step.replace(/\s+/g, '');
    for (const read of ['first', 'repeated'] as const) {
      const r = row[read];
      figures[`s3.coldReadRequests.${key}.${read}`] = {
        value: r.metadata + r.index + r.range + r.block,
        unit: 'requests/series read',
        what: `S3 requests (catalog/list/manifest ${r.metadata}, index ${r.index}, range ${r.range}, block ${r.block}) to read one series over 460 days at step ${row.step}, ${read === 'first' ? 'cold caches' : 'manifests and indexes cached'}`,
      };
    }
  }
  return figures;
}

async function main(): Promise<void> {
  const rows: ColdReadRow[] = [];
  for await (const line of createInterface({ input: process.stdin })) {
    process.stdout.write(`${line}\n`);
    const row = parseColdReadRow(line);
    if (row) rows.push(row);
  }
  if (rows.length === 0) throw new Error('no rows of the cold read benchmark on stdin: was its table format changed?');
  const file = benchFiguresPath(workspace, process.env);
  recordBenchFigures(coldReadFigures(rows), { file, section: 'cold read', command: 'npx tsx apps/reader/bench/cold-read.bench.ts', repoRoot: workspace });
  process.stdout.write(`figures recorded in ${file}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
