import * as fs from 'node:fs';
import type { BenchFigure, BenchFiguresFile } from '@strata/testing';
import { CostDataError } from './errors';

/** A figure and the file it was read from. */
export interface SourcedFigure extends BenchFigure {
  readonly name: string;
  readonly file: string;
}

/**
 * The measured figures the bill uses: the latest `npm run bench` output when there is one,
 * and, for every figure it lacks (no bench run yet, or only some sections run), the snapshot
 * committed with the cost model. Every look-up is remembered, so the bill can say which
 * file and run each number came from.
 */
export class MeasuredFigures {
  private readonly used = new Map<string, SourcedFigure>();

  constructor(private readonly sources: ReadonlyArray<{ readonly file: string; readonly figures: BenchFiguresFile }>) {}

  /** Reads the files that exist, in order of preference; at least one must. */
  static read(files: readonly string[]): MeasuredFigures {
    const sources = files.filter((file) => fs.existsSync(file)).map((file) => ({ file, figures: parseFigures(file) }));
    if (sources.length === 0) throw new CostDataError(files.join(', '), 'no measured figures: run `npm run bench`, or restore the committed snapshot');
    return new MeasuredFigures(sources);
  }

  get(name: string): SourcedFigure {
    for (const { file, figures } of this.sources) {
      const f = figures.figures[name];
      if (f) {
        const sourced = { ...f, name, file };
        this.used.set(name, sourced);
        return sourced;
      }
    }
    throw new CostDataError(this.sources.map((s) => s.file).join(', '), `no measured figure "${name}": run the bench section that records it (npm run bench)`);
  }

  value(name: string): number {
    return this.get(name).value;
  }

  /** The figures looked up so far, by name. */
  usedFigures(): SourcedFigure[] {
    return [...this.used.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

function parseFigures(file: string): BenchFiguresFile {
  let json: BenchFiguresFile;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchFiguresFile;
  } catch (error) {
    throw new CostDataError(file, `cannot read the figures (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof json.figures !== 'object' || json.figures === null) throw new CostDataError(file, '"figures" must be an object');
  for (const [name, f] of Object.entries(json.figures)) {
    if (typeof f.value !== 'number' || !Number.isFinite(f.value)) throw new CostDataError(file, `${name}: "value" must be a finite number`);
    if (typeof f.section !== 'string' || typeof f.measuredAt !== 'string' || typeof f.commit !== 'string') {
      throw new CostDataError(file, `${name}: needs "section", "measuredAt" and "commit" (as the bench records them)`);
    }
  }
  return json;
}
