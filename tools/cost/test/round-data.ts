import type { BenchFiguresFile } from '@strata/testing';
import { MeasuredFigures } from '../src/measured';
import { PriceBook } from '../src/prices';

/** Figures with round values, so a spec's expected costs can be worked out by hand. */
export function roundFigures(overrides: Record<string, number> = {}): MeasuredFigures {
  const values: Record<string, number> = {
    'write.windowMs': 14_400_000,
    'kafka.logBytesPerPoint': 10,
    'redis.openBytesPerPoint': 20,
    'redis.sealedBytesPerPoint': 5,
    'dynamodb.writeUnitsPerMillionPoints': 5_000,
    'dynamodb.itemBytesPerPoint': 2,
    'cpu.ingest.secondsPerMillionPoints': 10,
    'cpu.writer.secondsPerMillionPoints': 20,
    'cpu.kafka.secondsPerMillionPoints': 5,
    'cpu.redis.secondsPerMillionPoints': 2,
    'cpu.archiver.secondsPerMillionPoints': 1,
    's3.bytesPerPoint.gauge': 2,
    's3.bytesPerPoint.counter': 3,
    's3.bytesPerPoint.float': 4,
    's3.dayBlockBytesPerPoint.gauge': 2,
    's3.dayBlockBytesPerPoint.counter': 3,
    's3.dayBlockBytesPerPoint.float': 4,
    's3.blockTargetBytes': 64 << 20,
    's3.archivePutsPerTenantDay': 5,
    's3.archiveDayBlocksPerTenantDay': 1,
    's3.archiveGetsPerTenantDay': 2,
    's3.archiveListsPerTenantDay': 1,
    's3.coldReadRequests.1h.first': 10,
    ...overrides,
  };
  const file: BenchFiguresFile = {
    updated: '2026-01-01T00:00:00.000Z',
    figures: Object.fromEntries(
      Object.entries(values).map(([name, value]) => [name, { value, unit: 'u', what: 'test', section: 'test', command: 'test', measuredAt: '2026-01-01T00:00:00.000Z', commit: 'abc' }]),
    ),
  };
  return new MeasuredFigures([{ file: 'round.json', figures: file }]);
}

const page = 'a test page';
const sized = (types: Record<string, [price: number, vcpus: number, memoryGiB: number, production?: boolean]>) => ({
  unit: 'hour',
  page,
  byType: Object.fromEntries(Object.entries(types).map(([t, [price, vcpus, memoryGiB, production]]) => [t, { price, vcpus, memoryGiB, production: production ?? true }])),
});

/** Round AWS prices and a 720-hour month (30 days). */
export function roundAwsPrices(): PriceBook {
  return new PriceBook('round-aws.json', {
    name: 'round',
    region: 'test',
    currency: 'USD',
    written: '2026-01-01',
    checked: null,
    howChecked: 'made up for specs',
    hoursPerMonth: 720,
    prices: {
      'msk.brokerHour': sized({ small: [0.01, 2, 2, false], large: [0.2, 2, 8], xlarge: [0.4, 4, 16] }),
      'msk.storage': { unit: 'GB-month', price: 0.1, page },
      'ec2.instanceHour': sized({ large: [0.08, 2, 8], xlarge: [0.16, 4, 16] }),
      'ebs.gp3.storage': { unit: 'GB-month', price: 0.08, page },
      'eks.clusterHour': { unit: 'cluster-hour', price: 0.1, page },
      'elasticache.nodeHour': sized({ tiny: [0.01, 2, 1, false], small: [0.2, 2, 10], big: [0.5, 4, 30] }),
      'dynamodb.onDemand.write': { unit: 'million WRU', price: 1, page },
      'dynamodb.onDemand.read': { unit: 'million RRU', price: 0.2, page },
      'dynamodb.provisioned.write': { unit: 'WCU-hour', price: 0.001, page },
      'dynamodb.provisioned.read': { unit: 'RCU-hour', price: 0.0002, page },
      'dynamodb.storage': { unit: 'GB-month', price: 0.25, page },
      's3.storage': { unit: 'GB-month', page, tiers: [{ upTo: 100, price: 0.02, label: 'first 100' }, { price: 0.01, label: 'over 100' }] },
      's3.put': { unit: '1,000 requests', price: 0.005, page },
      's3.get': { unit: '1,000 requests', price: 0.0004, page },
    },
  });
}
