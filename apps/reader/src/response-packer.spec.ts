import type { ReadResponse } from '@strata/proto';
import type { SeriesRef } from './read-request';
import { ResponsePacker } from './response-packer';
import { WarningCollector } from './warnings';

const ref = (name: string, labels: SeriesRef['labels'] = []): SeriesRef => ({ key: name, name, labels });
const columns = (n: number, from = 0) => ({
  timestamps: Float64Array.from({ length: n }, (_, i) => from + i),
  values: Float64Array.from({ length: n }, (_, i) => i),
});
const shape = (messages: ReadResponse[]) => messages.map((m) => m.series.map((s) => `${s.name}:${s.points.length}`).join(' '));

describe('ResponsePacker', () => {
  it.each<[string, Array<[string, number]>, string[]]>([
    ['small series share a message', [['a', 3], ['b', 4]], ['a:3 b:4']],
    ['a large series is split in time order', [['a', 25]], ['a:10', 'a:10', 'a:5']],
    ['a split continues into the next series', [['a', 8], ['b', 8]], ['a:8 b:2', 'b:6']],
    ['a series without points is left out', [['a', 0], ['b', 1]], ['b:1']],
    ['nothing at all gives no message', [], []],
  ])('%s', (_, input, expected) => {
    const packer = new ResponsePacker(10);
    const messages = [...input.flatMap(([name, n]) => [...packer.add(ref(name), columns(n))]), ...packer.finish([])];
    expect(shape(messages)).toEqual(expected);
  });

  it('keeps each part of a split series in time order', () => {
    const packer = new ResponsePacker(10);
    const messages = [...packer.add(ref('a'), columns(25, 1_000)), ...packer.finish([])];
    expect(messages.flatMap((m) => m.series[0].points.map((p) => p.timestampMs))).toEqual(Array.from({ length: 25 }, (_, i) => 1_000 + i));
  });

  it('also bounds messages by size, for series with long labels', () => {
    const packer = new ResponsePacker(1_000_000, 4_096);
    const long = ref('a', [{ name: 'l', value: 'x'.repeat(1_000) }]);
    const messages = [...packer.add(long, columns(300)), ...packer.add(long, columns(10)), ...packer.finish([])];
    expect(messages.length).toBeGreaterThan(2);
    expect(messages.reduce((n, m) => n + m.series.reduce((k, s) => k + s.points.length, 0), 0)).toBe(310);
  });

  it('puts the warnings in the last message, or in one of their own', () => {
    const packer = new ResponsePacker(10);
    expect([...packer.add(ref('a'), columns(3)), ...packer.finish(['w'])]).toEqual([expect.objectContaining({ warnings: ['w'] })]);
    expect([...new ResponsePacker(10).finish(['w'])]).toEqual([{ series: [], warnings: ['w'] }]);
  });
});

describe('WarningCollector', () => {
  const failure = { tier: 'warm' as const, kind: 'error' as const, reason: 'connect ECONNREFUSED', fromMs: 0, toMs: 7_200_000 };

  it('gives one warning per tier failure, naming the first series and how many it hit', () => {
    const warnings = new WarningCollector(6);
    for (const key of ['a', 'b', 'c', 'd', 'e']) warnings.add(key, [failure]);
    warnings.add('f', []);
    expect(warnings.render()).toEqual([
      'warm tier (DynamoDB) failed for 5 of 6 series (a, b, c, ...): connect ECONNREFUSED; points in ' +
        '[1970-01-01T00:00:00.000Z, 1970-01-01T02:00:00.000Z) (ms 0 to 7200000) that only this tier holds are missing',
    ]);
    expect(warnings.tiers()).toEqual(['warm']);
  });

  it('says when nothing should be missing because the hot tier covers the range', () => {
    const warnings = new WarningCollector(1);
    warnings.add('a', [{ ...failure, toMs: 0 }]);
    expect(warnings.render()[0]).toMatch(/the hot tier covers the whole range, so points are missing only if Redis lost some$/);
  });
});
