import fc from 'fast-check';
import { isSharedLabels, parseSeriesKey, seriesKey, shareLabels } from './series';

describe('seriesKey', () => {
  it.each([
    ['cpu', [], 'cpu'],
    ['cpu', [{ name: 'host', value: 'a' }], 'cpu{host="a"}'],
    ['cpu', [{ name: 'z', value: '1' }, { name: 'a', value: '2' }], 'cpu{a="2",z="1"}'],
    ['m', [{ name: 'q', value: 'say "hi"\\\n' }], 'm{q="say \\"hi\\"\\\\\\n"}'],
  ])('writes %s %j as %s', (name, labels, expected) => {
    expect(seriesKey(name, labels)).toBe(expected);
  });

  it('is independent of label order', () => {
    const a = seriesKey('x', [{ name: 'b', value: '1' }, { name: 'a', value: '2' }]);
    const b = seriesKey('x', [{ name: 'a', value: '2' }, { name: 'b', value: '1' }]);
    expect(a).toBe(b);
  });

  it('round-trips through parseSeriesKey for any valid identity', () => {
    const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,10}$/);
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-zA-Z0-9._:-]{1,40}$/),
        fc.uniqueArray(fc.record({ name: labelName, value: fc.string({ minLength: 1, maxLength: 20 }) }), {
          selector: (l) => l.name,
          maxLength: 6,
        }),
        (name, labels) => {
          const parsed = parseSeriesKey(seriesKey(name, labels));
          expect(parsed.name).toBe(name);
          expect(seriesKey(parsed.name, parsed.labels)).toBe(seriesKey(name, labels));
          expect(parsed.labels).toHaveLength(labels.length);
        },
      ),
    );
  });

  it('refuses text it could not have produced', () => {
    expect(() => parseSeriesKey('cpu{host="a"')).toThrow(/malformed/);
    expect(() => parseSeriesKey('cpu{host=a}')).toThrow(/malformed/);
  });
});

describe('shared labels', () => {
  it('key the same as unshared ones, for every name they are used with, and are frozen', () => {
    const labels = shareLabels([{ name: 'z', value: 'a"b' }, { name: 'a', value: '1' }]);
    expect(Object.isFrozen(labels) && Object.isFrozen(labels[0])).toBe(true);
    expect(isSharedLabels(labels)).toBe(true);
    expect(isSharedLabels([...labels])).toBe(false);
    const fresh = (name: string) => seriesKey(name, labels.map((l) => ({ ...l })));
    expect(seriesKey('cpu', labels)).toBe(fresh('cpu'));
    expect(seriesKey('cpu', labels)).toBe(fresh('cpu')); // remembered
    expect(seriesKey('mem', labels)).toBe(fresh('mem')); // another name: keyed anew
    expect(seriesKey('cpu', labels)).toBe('cpu{a="1",z="a\\"b"}');
    expect(() => (labels as Array<{ name: string; value: string }>).push({ name: 'b', value: '2' })).toThrow(TypeError);
  });
});
