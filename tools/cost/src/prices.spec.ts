import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ampBill } from './amp-bill';
import { parseChartRequests } from './chart';
import { CostDataError } from './errors';
import { PRESETS, defaultSetup } from './load';
import { PriceBook } from './prices';
import { strataBill } from './strata-bill';
import { roundFigures } from '../test/round-data';

const data = (name: string) => resolve(__dirname, '../data', name);

describe('the committed price files', () => {
  const aws = PriceBook.read(data('prices-aws-us-east-1.json'));
  const amp = PriceBook.read(data('prices-amp-us-east-1.json'));
  const values = resolve(__dirname, '../../../charts/strata/values.yaml');
  const chart = parseChartRequests(values, readFileSync(values, 'utf8'));

  it.each(Object.keys(PRESETS))('hold every price the %s bill asks for, each naming its page', (preset) => {
    const strata = strataBill({ load: PRESETS[preset], setup: defaultSetup({}), figures: roundFigures(), prices: aws, chart });
    const managed = ampBill(PRESETS[preset], amp);
    for (const l of [...strata.lines, ...strata.alternatives, ...managed.lines]) {
      expect(l.priceSource).toMatch(/pricing/i);
      expect(Number.isFinite(l.cost)).toBe(true);
    }
  });

  it('say when they were written and that they were not fetched', () => {
    for (const book of [aws, amp]) {
      expect(book.written).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(book.howChecked).toMatch(/NOT fetched/);
    }
  });
});

describe('PriceBook', () => {
  const book = (prices: Record<string, unknown>) => new PriceBook('p.json', { name: 'n', region: 'r', currency: 'USD', written: '2026-01-01', checked: null, howChecked: 'h', hoursPerMonth: 730, prices });

  it('refuses tiers whose bounds do not grow, or whose last band has a bound', () => {
    expect(() => book({ t: { unit: 'u', page: 'p', tiers: [{ upTo: 10, price: 1 }, { upTo: 5, price: 1 }, { price: 1 }] } }).tiered('t')).toThrow(/grow/);
    expect(() => book({ t: { unit: 'u', page: 'p', tiers: [{ upTo: 10, price: 1 }] } }).tiered('t')).toThrow(/last none/);
  });

  it('names the price it lacks, and one without its page', () => {
    expect(() => book({}).flat('s3.get')).toThrow(CostDataError);
    expect(() => book({}).flat('s3.get')).toThrow(/no price "s3.get"/);
    expect(() => book({ x: { unit: 'u', price: 1 } }).flat('x')).toThrow(/page/);
  });
});
