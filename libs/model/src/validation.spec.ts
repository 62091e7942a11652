import fc from 'fast-check';
import { RejectionCode } from './rejection';
import { shareLabels } from './series';
import { DEFAULT_VALIDATION_LIMITS, validateWrite, type SeriesInput } from './validation';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const limits = DEFAULT_VALIDATION_LIMITS;
const ok = { timestampMs: NOW - 60_000, value: 1.5 };

function rejectionOf(series: SeriesInput) {
  const result = validateWrite([series], limits, NOW);
  return result.rejections.map((r) => ({ pointIndex: r.pointIndex, code: r.code }));
}

describe('validateWrite', () => {
  it.each([
    // m{a="…"} is 7 bytes around the value.
    ['1,920 bytes: 637 three-byte characters and 2 ASCII', '€'.repeat(637) + 'xx'],
    ['1,920 bytes: 477 four-byte characters and 3 escaped to 5 bytes', '😀'.repeat(477) + '\\"a'],
    ['odd characters that the key escapes or that separate keys elsewhere', 'a\u0000b\nc#d/e{f}g,h=i"j\\k\r'],
  ])('accepts an identity of %s', (_case, value) => {
    expect(rejectionOf({ name: 'm', labels: [{ name: 'a', value }], points: [ok] })).toEqual([]);
  });


  it.each(['job:http_requests:rate5m', ':leading', 'node_cpu_seconds_total', 'host-1.cpu.user', 'a'.repeat(254) + ':'])(
    'accepts the name %s (Prometheus names, with colons, included)',
    (name) => {
      expect(rejectionOf({ name, labels: [], points: [ok] })).toEqual([]);
    },
  );

  it.each([
    ['empty name', { name: '', labels: [], points: [ok] }, RejectionCode.INVALID_NAME],
    ['name with a slash', { name: 'a/b', labels: [], points: [ok] }, RejectionCode.INVALID_NAME],
    ['name with a space', { name: 'cpu user', labels: [], points: [ok] }, RejectionCode.INVALID_NAME],
    ['256-character name', { name: 'a'.repeat(256), labels: [], points: [ok] }, RejectionCode.INVALID_NAME],
    ['label name starting with a digit', { name: 'm', labels: [{ name: '1x', value: 'v' }], points: [ok] }, RejectionCode.INVALID_LABEL_NAME],
    ['label name with a dash', { name: 'm', labels: [{ name: 'a-b', value: 'v' }], points: [ok] }, RejectionCode.INVALID_LABEL_NAME],
    ['empty label value', { name: 'm', labels: [{ name: 'a', value: '' }], points: [ok] }, RejectionCode.INVALID_LABEL_VALUE],
    ['over-long label value', { name: 'm', labels: [{ name: 'a', value: 'v'.repeat(1025) }], points: [ok] }, RejectionCode.INVALID_LABEL_VALUE],
    ['duplicate label', { name: 'm', labels: [{ name: 'a', value: '1' }, { name: 'a', value: '2' }], points: [ok] }, RejectionCode.DUPLICATE_LABEL],
    // The case: each value within the per-label limit, the identity over every tier's key limit.
    [
      'two label values of 1,024 characters',
      { name: 'm', labels: [{ name: 'a', value: 'x'.repeat(1024) }, { name: 'b', value: 'y'.repeat(1024) }], points: [ok] },
      RejectionCode.SERIES_KEY_TOO_LONG,
    ],
    ['an identity of 1,921 UTF-8 bytes in 640 characters', { name: 'm', labels: [{ name: 'a', value: '€'.repeat(637) + 'xxx' }], points: [ok] }, RejectionCode.SERIES_KEY_TOO_LONG],
    ['an identity of 1,923 bytes of 4-byte characters', { name: 'm', labels: [{ name: 'a', value: '😀'.repeat(479) }], points: [ok] }, RejectionCode.SERIES_KEY_TOO_LONG],
    ['a label value with an unpaired high surrogate', { name: 'm', labels: [{ name: 'a', value: 'x\uD800' }], points: [ok] }, RejectionCode.INVALID_LABEL_VALUE],
    ['a label value with an unpaired low surrogate', { name: 'm', labels: [{ name: 'a', value: '\uDC00x' }], points: [ok] }, RejectionCode.INVALID_LABEL_VALUE],
    [
      'too many labels',
      { name: 'm', labels: Array.from({ length: 33 }, (_, i) => ({ name: `l${i}`, value: 'v' })), points: [ok] },
      RejectionCode.TOO_MANY_LABELS,
    ],
  ])('refuses the whole series for %s', (_case, series, code) => {
    expect(rejectionOf(series)).toEqual([{ pointIndex: -1, code }]);
  });

  it.each([
    ['the first and the 32nd of 32', 32, 0, 31],
    ['neighbours', 32, 10, 11],
    ['the 2nd and the 60th of 64 (a raised label limit)', 64, 1, 59],
    ['the 40th and the 41st of 64', 64, 39, 40],
  ])('refuses a label named twice: %s', (_case, count, first, second) => {
    const labels = Array.from({ length: count }, (_, i) => ({ name: `l${i}`, value: 'v' }));
    labels[second] = { name: `l${first}`, value: 'w' };
    const result = validateWrite([{ name: 'm', labels, points: [ok] }], { ...limits, maxLabels: 64 }, NOW);
    expect(result.rejections.map((r) => r.code)).toEqual([RejectionCode.DUPLICATE_LABEL]);
    labels[second] = { name: `l${second}`, value: 'w' };
    expect(validateWrite([{ name: 'm', labels, points: [ok] }], { ...limits, maxLabels: 64 }, NOW).rejections).toEqual([]);
  });

  it.each([
    ['NaN', { timestampMs: NOW, value: NaN }, RejectionCode.NON_FINITE_VALUE],
    ['Infinity', { timestampMs: NOW, value: Infinity }, RejectionCode.NON_FINITE_VALUE],
    ['fractional timestamp', { timestampMs: NOW + 0.5, value: 1 }, RejectionCode.INVALID_TIMESTAMP],
    ['negative timestamp', { timestampMs: -1, value: 1 }, RejectionCode.INVALID_TIMESTAMP],
    ['beyond the future grace', { timestampMs: NOW + limits.futureGraceMs + 1, value: 1 }, RejectionCode.TOO_FAR_IN_FUTURE],
    ['older than retention', { timestampMs: NOW - limits.retentionMs - 1, value: 1 }, RejectionCode.TOO_OLD],
  ])('refuses only the point for %s', (_case, point, code) => {
    const result = validateWrite([{ name: 'm', labels: [], points: [ok, point, ok] }], limits, NOW);
    expect(result.rejections.map((r) => ({ pointIndex: r.pointIndex, code: r.code }))).toEqual([{ pointIndex: 1, code }]);
    expect(result.acceptedPoints).toBe(2);
  });

  it('takes NaN as staleness for a door that asks (remote write), and still refuses infinities and everything else there', () => {
    const points = [ok, { timestampMs: NOW, value: NaN }, { timestampMs: NOW, value: -Infinity }, { timestampMs: -1, value: NaN }];
    const result = validateWrite([{ name: 'm', labels: [], points }], limits, NOW, { staleness: true });
    expect(result.rejections.map((r) => [r.pointIndex, r.code])).toEqual([
      [2, RejectionCode.NON_FINITE_VALUE],
      [3, RejectionCode.INVALID_TIMESTAMP],
    ]);
    expect(result.valid[0].points).toEqual([ok, { timestampMs: NOW, value: NaN }]);
  });

  it('accepts the edges of the time window', () => {
    const result = validateWrite(
      [{ name: 'm', labels: [], points: [{ timestampMs: NOW + limits.futureGraceMs, value: 0 }, { timestampMs: NOW - limits.retentionMs, value: -0 }] }],
      limits,
      NOW,
    );
    expect(result.rejections).toEqual([]);
    expect(result.acceptedPoints).toBe(2);
  });

  it('says which series, timestamp and limit a refusal is about', () => {
    const [rejection] = validateWrite(
      [{ name: 'host.a.cpu', labels: [], points: [{ timestampMs: NOW + 3_600_000, value: 1 }] }],
      limits,
      NOW,
    ).rejections;
    expect(rejection.message).toBe(`host.a.cpu @ ${NOW + 3_600_000}: timestamp is 3600000 ms ahead of the server clock; the grace is 600000 ms`);
  });

  it('sorts labels of accepted series and keeps series indexes', () => {
    const result = validateWrite(
      [
        { name: 'bad name', labels: [], points: [ok] },
        { name: 'm', labels: [{ name: 'z', value: '1' }, { name: 'a', value: '2' }], points: [ok] },
      ],
      limits,
      NOW,
    );
    expect(result.valid).toEqual([
      { seriesIndex: 1, name: 'm', labels: [{ name: 'a', value: '2' }, { name: 'z', value: '1' }], points: [ok] },
    ]);
  });

  it('accounts for every point exactly once', () => {
    const value = fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity));
    const timestamp = fc.oneof(
      fc.integer({ min: NOW - limits.retentionMs - 10, max: NOW + limits.futureGraceMs + 10 }),
      fc.constantFrom(-5, 0.5, Number.MAX_SAFE_INTEGER + 2),
    );
    const series = fc.record({
      name: fc.oneof(fc.constant('ok.name'), fc.string({ maxLength: 5 })),
      labels: fc.constant([]),
      points: fc.array(fc.record({ timestampMs: timestamp, value }), { maxLength: 20 }),
    });
    fc.assert(
      fc.property(fc.array(series, { maxLength: 10 }), (input) => {
        const result = validateWrite(input, limits, NOW);
        const refusedSeries = new Set(result.rejections.filter((r) => r.pointIndex === -1).map((r) => r.seriesIndex));
        const expectedTotal = input.reduce((sum, s, i) => sum + (refusedSeries.has(i) ? 0 : s.points.length), 0);
        const pointRejections = result.rejections.filter((r) => r.pointIndex >= 0).length;
        expect(result.acceptedPoints + pointRejections).toBe(expectedTotal);
        expect(result.valid.reduce((sum, s) => sum + s.points.length, 0)).toBe(result.acceptedPoints);
        // Exactly the points not refused, in request order, whether the series was taken whole or copied from its first refusal on.
        for (const { seriesIndex, points } of result.valid) {
          const refused = new Set(result.rejections.filter((r) => r.seriesIndex === seriesIndex).map((r) => r.pointIndex));
          expect(points).toEqual(input[seriesIndex].points.filter((_, i) => !refused.has(i)));
        }
      }),
    );
  });

  it('checks a shared identity again under other limits or another name, and refuses it there', () => {
    const labels = shareLabels([{ name: 'host', value: 'h'.repeat(20) }]);
    const series = (name: string): SeriesInput => ({ name, labels, points: [ok] });
    expect(validateWrite([series('cpu')], limits, NOW).rejections).toEqual([]);
    expect(validateWrite([series('cpu')], limits, NOW).rejections).toEqual([]); // passed before
    const tight = { ...limits, maxLabelValueLength: 10 };
    expect(validateWrite([series('cpu')], tight, NOW).rejections.map((r) => r.code)).toEqual([RejectionCode.INVALID_LABEL_VALUE]);
    expect(validateWrite([series('bad name')], limits, NOW).rejections.map((r) => r.code)).toEqual([RejectionCode.INVALID_NAME]);
    expect(validateWrite([series('cpu')], limits, NOW).rejections).toEqual([]);
  });
});

