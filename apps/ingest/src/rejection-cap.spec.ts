import type { Rejection } from '@strata/proto';
import { capRejections, isRejectionSummary } from './rejection-cap';

const rejection = (seriesIndex: number, pointIndex: number, code: string): Rejection => ({
  seriesIndex,
  pointIndex,
  code,
  message: `${code} at ${seriesIndex}/${pointIndex}`,
});

describe('capRejections', () => {
  const many = [
    rejection(0, 1, 'TOO_OLD'),
    rejection(0, 2, 'NON_FINITE_VALUE'),
    rejection(1, -1, 'INVALID_NAME'),
    rejection(2, 0, 'TOO_OLD'),
    rejection(2, 5, 'NON_FINITE_VALUE'),
    rejection(3, -1, 'SERIES_LIMIT_EXCEEDED'),
    rejection(4, 0, 'TOO_OLD'),
  ];

  it.each([
    ['below the cap', 8],
    ['exactly at the cap', 7],
  ])('lists every rejection unchanged %s', (_case, listed) => {
    expect(capRejections(many, listed)).toEqual({ rejections: many, unlisted: new Map() });
  });

  it('lists the first N in full, then one count per code of the rest, in order of first appearance', () => {
    const { rejections: capped, unlisted } = capRejections(many, 2);
    expect(capped.slice(0, 2)).toEqual(many.slice(0, 2));
    expect(capped.slice(2).map((r) => [r.seriesIndex, r.pointIndex, r.code, Number(r.message.split(' ')[0])])).toEqual([
      [-1, -1, 'INVALID_NAME', 1],
      [-1, -1, 'TOO_OLD', 2],
      [-1, -1, 'NON_FINITE_VALUE', 1],
      [-1, -1, 'SERIES_LIMIT_EXCEEDED', 1],
    ]);
    expect(capped[3].message).toMatch(/^2 more rejections with code TOO_OLD are not listed.*STRATA_MAX_LISTED_REJECTIONS/);
    expect(capped.map(isRejectionSummary)).toEqual([false, false, true, true, true, true]);
    expect([...unlisted]).toEqual([
      ['INVALID_NAME', 1],
      ['TOO_OLD', 2],
      ['NON_FINITE_VALUE', 1],
      ['SERIES_LIMIT_EXCEEDED', 1],
    ]);
  });

  it('one past the cap gives one summary of one', () => {
    const capped = capRejections(many, 6).rejections;
    expect(capped).toHaveLength(7);
    expect(capped[6]).toMatchObject({ seriesIndex: -1, code: 'TOO_OLD', message: expect.stringMatching(/^1 more/) });
  });

  it('with a cap of 0 answers only the counts', () => {
    expect(capRejections(many, 0).rejections.map((r) => r.code)).toEqual(['TOO_OLD', 'NON_FINITE_VALUE', 'INVALID_NAME', 'SERIES_LIMIT_EXCEEDED']);
  });

  it('keeps the answer small for 100,000 refusals', () => {
    const all = Array.from({ length: 100_000 }, (_, i) => rejection(0, i, i % 2 ? 'TOO_OLD' : 'NON_FINITE_VALUE'));
    const capped = capRejections(all, 100).rejections;
    expect(capped).toHaveLength(102);
    expect(capped.filter(isRejectionSummary).map((r) => Number(r.message.split(' ')[0]))).toEqual([49_950, 49_950]);
    expect(JSON.stringify(capped).length).toBeLessThan(32 * 1024);
  });
});
