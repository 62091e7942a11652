import { coldReadFigures, parseColdReadRow } from './cold-read-figures';

// Rows as apps/reader/bench/cold-read.bench.ts prints them.
const ROWS = [
  '1 d                440 |                 3 / 0   2 / 0     0 / 0  2 / 0 | 123456 / 0          | 40 / 2',
  'raw             633600 |                 3 / 0  16 / 0    16 / 0  0 / 0 | 9000000 / 8000000    | 900 / 800',
];

describe('parseColdReadRow', () => {
  it('reads the request counts of a row, first read and repeated', () => {
    expect(parseColdReadRow(ROWS[0])).toEqual({ step: '1 d', first: { metadata: 3, index: 2, range: 0, block: 2 }, repeated: { metadata: 0, index: 0, range: 0, block: 0 } });
    expect(parseColdReadRow(ROWS[1])?.first).toEqual({ metadata: 3, index: 16, range: 16, block: 0 });
  });

  it('passes over the header and prose lines', () => {
    expect(parseColdReadRow('step     answer points | catalog/list/manifest  index  range  block | bytes read          | ms')).toBeUndefined();
    expect(parseColdReadRow('One series of 1-minute points, 460 days back from today')).toBeUndefined();
  });

  it('records every request of a read under the step', () => {
    const figures = coldReadFigures(ROWS.map((r) => parseColdReadRow(r)!));
    expect(figures['s3.coldReadRequests.1d.first'].value).toBe(7);
    expect(figures['s3.coldReadRequests.raw.repeated'].value).toBe(0);
  });
});
