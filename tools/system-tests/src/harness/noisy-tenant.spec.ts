import { DEFAULT_VALIDATION_LIMITS, MAX_SERIES_KEY_BYTES, seriesKeyBytes, validateWrite } from '@strata/model';
import { poisonLabelSets } from './noisy-tenant';

describe('poisonLabelSets', () => {
  const now = Date.UTC(2026, 0, 1);
  const { series, expected } = poisonLabelSets(now - 60_000);

  it('expects exactly the refusals the model validation gives, each at or just past its limit', () => {
    const result = validateWrite(series, DEFAULT_VALIDATION_LIMITS, now);
    expect(new Map(result.rejections.map((r) => [r.seriesIndex, r.code]))).toEqual(expected);
    expect(result.valid.length).toBe(series.length - expected.size);
  });

  it('puts one series key exactly at MAX_SERIES_KEY_BYTES and one a byte past, within the value length limit', () => {
    const edges = series.filter((s) => s.name === 'poison.edge');
    expect(edges.map((s) => seriesKeyBytes(s.name, s.labels))).toEqual([MAX_SERIES_KEY_BYTES, MAX_SERIES_KEY_BYTES + 1]);
    expect(edges.every((s) => s.labels[0]!.value.length <= DEFAULT_VALIDATION_LIMITS.maxLabelValueLength)).toBe(true);
  });
});
