import { parseTenantOverrides } from './tenant-overrides';

const parse = (entries: string[], max?: number) =>
  parseTenantOverrides('STRATA_TENANT_MAX_SERIES', entries, { min: 1, max, unit: 'series' });

describe('parseTenantOverrides', () => {
  it('reads tenant:value entries', () => {
    const { values, problems } = parse(['acme:5000', 'beta-2:1']);
    expect(problems).toEqual([]);
    expect([...values]).toEqual([
      ['acme', 5000],
      ['beta-2', 1],
    ]);
  });

  it('reads nothing from no entries', () => {
    expect(parse([])).toEqual({ values: new Map(), problems: [] });
  });

  it.each([
    ['no separator', 'acme5000'],
    ['no tenant', ':5000'],
    ['no value', 'acme:'],
    ['a word for the value', 'acme:many'],
    ['a fraction', 'acme:1.5'],
    ['a negative value', 'acme:-3'],
    ['below the minimum', 'acme:0'],
    ['an exponent', 'acme:1e6'],
  ])('refuses an entry with %s, naming the variable and the entry', (_case, entry) => {
    const { values, problems } = parse([entry, 'good:7']);
    expect(problems).toEqual([`STRATA_TENANT_MAX_SERIES entry ${JSON.stringify(entry)} must be tenant:series with series >= 1`]);
    expect([...values]).toEqual([['good', 7]]);
  });

  it('states the upper bound when there is one', () => {
    expect(parse(['acme:11'], 10).problems).toEqual([
      'STRATA_TENANT_MAX_SERIES entry "acme:11" must be tenant:series with series from 1 to 10',
    ]);
  });

  it('refuses a tenant named twice rather than silently keeping one value', () => {
    const { values, problems } = parse(['acme:5', 'acme:6']);
    expect(problems).toEqual(['STRATA_TENANT_MAX_SERIES names tenant acme twice']);
    expect(values.get('acme')).toBe(5);
  });
});
