import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * One number a benchmark measured, as the cost model (`npm run cost`) reads it. Keys are
 * dotted names (`dynamodb.writeUnitsPerMillionPoints`); a later run of the same section
 * replaces its figures and leaves the other sections' alone.
 */
export interface BenchFigure {
  readonly value: number;
  readonly unit: string;
  /** What was measured and how, in one line. */
  readonly what: string;
  /** The bench section that measured it, as `npm run bench` prints it ("write path"). */
  readonly section: string;
  /** The command that ran the section. */
  readonly command: string;
  /** ISO time of the run. */
  readonly measuredAt: string;
  /** `git describe --always --dirty` of the tree that ran it. */
  readonly commit: string;
}

export interface BenchFiguresFile {
  /** ISO time of the last run that recorded anything. */
  readonly updated: string;
  readonly figures: Readonly<Record<string, BenchFigure>>;
}

/** A figure as a bench hands it over; where and when it ran is stamped by recordBenchFigures. */
export type MeasuredFigure = Pick<BenchFigure, 'value' | 'unit' | 'what'>;

/** `<repo>/.cache/bench/figures.json`, or STRATA_BENCH_FIGURES. */
export function benchFiguresPath(repoRoot: string, env: Readonly<Record<string, string | undefined>> = {}): string {
  return path.resolve(repoRoot, env['STRATA_BENCH_FIGURES']?.trim() || '.cache/bench/figures.json');
}

export interface RecordOptions {
  readonly file: string;
  readonly section: string;
  readonly command: string;
  readonly repoRoot: string;
  /** @default new Date() */
  readonly now?: Date;
  /** @default `git describe --always --dirty` in repoRoot */
  readonly commit?: string;
}

/**
 * Merges a section's figures into the figures file (written whole, then renamed, so a
 * reader never sees half a file). Figures the section no longer measures are dropped;
 * other sections' figures stay. Returns what the file holds now.
 */
export function recordBenchFigures(figures: Readonly<Record<string, MeasuredFigure>>, options: RecordOptions): BenchFiguresFile {
  for (const [name, f] of Object.entries(figures)) {
    if (!Number.isFinite(f.value)) throw new RangeError(`bench figure ${name} is ${f.value}, not a finite number`);
  }
  const measuredAt = (options.now ?? new Date()).toISOString();
  const commit = options.commit ?? gitDescribe(options.repoRoot);
  const previous = readFiguresFile(options.file);
  const kept = Object.entries(previous?.figures ?? {}).filter(([, f]) => f.section !== options.section);
  const added = Object.entries(figures).map(([name, f]) => [name, { ...f, section: options.section, command: options.command, measuredAt, commit }] as const);
  const next: BenchFiguresFile = { updated: measuredAt, figures: Object.fromEntries([...kept, ...added].sort(([a], [b]) => a.localeCompare(b))) };
  fs.mkdirSync(path.dirname(options.file), { recursive: true });
  const temporary = `${options.file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(next, null, 2)}\n`);
  fs.renameSync(temporary, options.file);
  return next;
}

function readFiguresFile(file: string): BenchFiguresFile | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchFiguresFile;
    return typeof parsed.figures === 'object' && parsed.figures !== null ? parsed : undefined;
  } catch {
    return undefined; // a damaged file is replaced by this run's figures rather than blocking the bench
  }
}

function gitDescribe(repoRoot: string): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}
