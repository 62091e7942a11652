import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchFiguresPath, recordBenchFigures } from './bench-figures';

describe('recordBenchFigures', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-figures-'));
  const file = join(dir, 'sub', 'figures.json');
  const stamp = (section: string, iso: string) => ({ file, section, command: `run ${section}`, repoRoot: dir, now: new Date(iso), commit: 'abc1234' });

  it("replaces a section's figures and keeps the other sections'", () => {
    recordBenchFigures({ 'a.x': { value: 1, unit: 'u', what: 'first' }, 'a.gone': { value: 2, unit: 'u', what: 'dropped later' } }, stamp('a', '2026-01-01T00:00:00Z'));
    recordBenchFigures({ 'b.y': { value: 3, unit: 'u', what: 'other' } }, stamp('b', '2026-01-02T00:00:00Z'));
    recordBenchFigures({ 'a.x': { value: 4, unit: 'u', what: 'again' } }, stamp('a', '2026-01-03T00:00:00Z'));
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(written.updated).toBe('2026-01-03T00:00:00.000Z');
    expect(Object.keys(written.figures)).toEqual(['a.x', 'b.y']);
    expect(written.figures['a.x']).toEqual({ value: 4, unit: 'u', what: 'again', section: 'a', command: 'run a', measuredAt: '2026-01-03T00:00:00.000Z', commit: 'abc1234' });
    expect(written.figures['b.y'].measuredAt).toBe('2026-01-02T00:00:00.000Z');
  });

  it('refuses a figure that is not a finite number, before writing anything', () => {
    expect(() => recordBenchFigures({ 'c.z': { value: NaN, unit: 'u', what: 'broken' } }, stamp('c', '2026-01-04T00:00:00Z'))).toThrow(/c.z/);
    expect(JSON.parse(readFileSync(file, 'utf8')).figures['c.z']).toBeUndefined();
  });

  it('lives under .cache/bench unless STRATA_BENCH_FIGURES says otherwise', () => {
    expect(benchFiguresPath('/repo')).toBe('/repo/.cache/bench/figures.json');
    expect(benchFiguresPath('/repo', { STRATA_BENCH_FIGURES: 'x/f.json' })).toBe('/repo/x/f.json');
  });
});
