import { line, type Bill } from './bill';
import type { Load } from './load';
import type { PriceBook } from './prices';
import { loadRates } from './strata-bill';
import { tieredCharges } from './tiers';

const GIB = 2 ** 30;
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

/**
 * The same load on Amazon Managed Service for Prometheus: samples ingested (tiered per
 * month), samples stored over the retention, and query samples processed. Queries are
 * priced but left out of the goal, which compares ingesting and storing.
 */
export function ampBill(load: Load, prices: PriceBook): Bill {
  const rates = loadRates(load, prices.hoursPerMonth);
  const ingest = prices.tiered('amp.ingest');
  const perUnit = 1e7; // the price's unit: 10 million samples
  const ingestLines = tieredCharges(rates.samplesPerMonth / perUnit, ingest.tiers).map((c) =>
    line({
      tier: 'AMP',
      item: `samples ingested, ${c.tier.label ?? ''}`,
      quantity: c.quantity,
      unit: ingest.unit,
      unitPrice: c.tier.price,
      basis: `${fmt(rates.samplesPerMonth)} samples a month = ${fmt(load.series)} series x ${fmt(rates.secondsPerMonth)} s / ${load.intervalSeconds} s`,
      priceSource: ingest.page,
    }),
  );
  const bytesPerSample = prices.assumption('amp.bytesPerSampleStored');
  const storedSamples = load.series * rates.retainedPoints;
  const storage = prices.flat('amp.storage');
  const query = prices.flat('amp.query');
  const querySamples = load.queriesPerSecond * load.seriesPerQuery * ((load.queryRangeHours * 3_600) / load.intervalSeconds) * rates.secondsPerMonth;
  return {
    title: 'Amazon Managed Service for Prometheus',
    lines: [
      ...ingestLines,
      line({
        tier: 'AMP',
        item: 'storage',
        quantity: (storedSamples * bytesPerSample.value) / GIB,
        unit: storage.unit,
        unitPrice: storage.price,
        basis: `${fmt(storedSamples)} samples (${load.retentionDays} d retention, full) x ${bytesPerSample.value} ${bytesPerSample.unit} (assumed: amp.bytesPerSampleStored)`,
        priceSource: storage.page,
      }),
      line({
        tier: 'AMP',
        item: 'query samples processed',
        quantity: querySamples / 1e9,
        unit: query.unit,
        unitPrice: query.price,
        basis: `${load.queriesPerSecond}/s x ${load.seriesPerQuery} series x ${fmt((load.queryRangeHours * 3_600) / load.intervalSeconds)} samples (${load.queryRangeHours} h range)`,
        priceSource: query.page,
        inGoal: false,
      }),
    ],
    alternatives: [],
    notes: [`AMP storage assumes ${bytesPerSample.value} ${bytesPerSample.unit}: ${bytesPerSample.source}`],
  };
}
