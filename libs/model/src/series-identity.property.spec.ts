import fc from 'fast-check';
import { RejectionCode } from './rejection';
import { MAX_SERIES_KEY_BYTES, parseSeriesKey, seriesKey, seriesKeyBytes, sortLabels, type Label } from './series';
import { DEFAULT_VALIDATION_LIMITS, validateWrite } from './validation';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const point = { timestampMs: NOW - 60_000, value: 1 };
const limits = DEFAULT_VALIDATION_LIMITS;

/** Characters of every UTF-8 width, and the ones that key schemas escape or split on. */
const oddChar = fc.oneof(
  fc.constantFrom('\u0000', '\n', '\r', '\\', '"', '#', '/', '{', '}', ',', '=', ' '),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.constantFrom('é', '€', '😀', '𝄞'),
);
const labelValue = (maxLength: number) => fc.string({ unit: oddChar, minLength: 1, maxLength });
const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/);
const seriesName = fc.stringMatching(/^[a-zA-Z0-9._:-]{1,255}$/);

/** Label sets near the limits: up to 32 labels, values up to 1,024 characters, the key bytes around 1,920. */
const labels = fc
  .uniqueArray(fc.record({ name: labelName, value: labelValue(1024) }), { maxLength: 32, selector: (l) => l.name })
  .map((ls) => ls as Label[]);

describe('series identities at every boundary', () => {
  it('counts the UTF-8 bytes of the canonical key exactly, and the key parses back', () => {
    fc.assert(
      fc.property(seriesName, labels, (name, ls) => {
        const key = seriesKey(name, ls);
        expect(seriesKeyBytes(name, ls)).toBe(Buffer.byteLength(key, 'utf8'));
        expect(parseSeriesKey(key)).toEqual({ name, labels: sortLabels(ls) });
      }),
      { numRuns: 300 },
    );
  });

  it('refuses SERIES_KEY_TOO_LONG exactly when the key is over MAX_SERIES_KEY_BYTES', () => {
    // Sizes drawn so that about half of the identities fall on either side of the limit.
    const nearLimit = fc
      .tuple(seriesName, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1_800, max: 2_050 }), fc.constantFrom('a', 'é', '€', '😀', '"'))
      .map(([name, count, targetBytes, char]) => {
        const perLabel = Math.max(1, Math.floor((targetBytes - name.length) / count) - 8);
        const charBytes = Buffer.byteLength(char) + (char === '"' ? 1 : 0);
        const value = char.repeat(Math.max(1, Math.min(1024 / char.length, Math.floor(perLabel / charBytes))));
        return { name, labels: Array.from({ length: count }, (_, i) => ({ name: `l${i}`, value })) };
      });
    fc.assert(
      fc.property(fc.oneof(nearLimit, fc.record({ name: seriesName, labels })), ({ name, labels: ls }) => {
        const result = validateWrite([{ name, labels: ls, points: [point] }], limits, NOW);
        const bytes = Buffer.byteLength(seriesKey(name, ls), 'utf8');
        const tooLong = result.rejections.some((r) => r.code === RejectionCode.SERIES_KEY_TOO_LONG);
        if (result.acceptedPoints > 0) expect(bytes).toBeLessThanOrEqual(MAX_SERIES_KEY_BYTES);
        expect(tooLong).toBe(bytes > MAX_SERIES_KEY_BYTES);
      }),
      { numRuns: 500 },
    );
  });
});
