import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CostDataError } from './errors';
import { MeasuredFigures } from './measured';

const figure = (value: number, section: string) => ({ value, unit: 'u', what: 'w', section, command: 'c', measuredAt: '2026-01-01T00:00:00.000Z', commit: 'abc' });

describe('MeasuredFigures', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-cost-'));
  const latest = join(dir, 'figures.json');
  const snapshot = join(dir, 'measured.json');
  writeFileSync(latest, JSON.stringify({ updated: 'x', figures: { a: figure(1, 'write path') } }));
  writeFileSync(snapshot, JSON.stringify({ updated: 'x', figures: { a: figure(10, 'snapshot'), b: figure(20, 'snapshot') } }));

  it('prefers the latest bench run and falls back to the snapshot figure by figure', () => {
    const figures = MeasuredFigures.read([latest, snapshot]);
    expect(figures.value('a')).toBe(1);
    expect(figures.value('b')).toBe(20);
    expect(figures.usedFigures().map((f) => [f.name, f.file])).toEqual([
      ['a', latest],
      ['b', snapshot],
    ]);
  });

  it('uses the snapshot alone on a fresh clone', () => {
    expect(MeasuredFigures.read([join(dir, 'absent.json'), snapshot]).value('a')).toBe(10);
  });

  it('names a figure no file has, and refuses a file without any', () => {
    expect(() => MeasuredFigures.read([latest]).value('c')).toThrow(/no measured figure "c"/);
    expect(() => MeasuredFigures.read([join(dir, 'absent.json')])).toThrow(CostDataError);
  });

  it('refuses a figure that is not a number', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ updated: 'x', figures: { a: { ...figure(1, 's'), value: 'many' } } }));
    expect(() => MeasuredFigures.read([bad])).toThrow(/a: "value" must be a finite number/);
  });
});
