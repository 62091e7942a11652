import { total } from './bill';
import type { ChartRequests } from './chart';
import { defaultSetup, type Load, type Setup } from './load';
import { cheapestFleet, dayBlocks, dynamodbUnits, redisMemory, strataBill } from './strata-bill';
import { roundAwsPrices, roundFigures } from '../test/round-data';

const GIB = 2 ** 30;
// 60,000 series at 60 s: 1,000 samples/s; the round price book's month is 720 h, so
// 2,592,000 s and 2,592 M samples a month.
const load: Load = { series: 60_000, intervalSeconds: 60, retentionDays: 460, churnPerDay: 0, queriesPerSecond: 0, seriesPerQuery: 20, queryRangeHours: 6, queryWarmShare: 0.05, queryColdShare: 0.01 };
// The shipped setup (4 h windows, 26 h hot span, 14 d warm span, 7 d log x RF 3, one Redis
// replica, 25 % headroom, 70 % use), with S3 at the mean of the three datasets.
const setup: Setup = { ...defaultSetup({}), s3Dataset: 'mean' };
const chart: ChartRequests = {
  file: 'values.yaml',
  apps: { ingest: { replicas: 2, cpu: 0.25 }, reader: { replicas: 2, cpu: 0.25 }, writer: { replicas: 2, cpu: 0.25 }, archiver: { replicas: 1, cpu: 0.25 }, prober: { replicas: 1, cpu: 0.05 } },
};
const bill = (l: Load = load, s: Setup = setup) => strataBill({ load: l, setup: s, figures: roundFigures(), prices: roundAwsPrices(), chart });
const cost = (b: ReturnType<typeof bill>, item: string) => {
  const found = b.lines.filter((l) => l.item.startsWith(item));
  expect(found).toHaveLength(1);
  return found[0].cost;
};

describe('the Strata bill, worked by hand', () => {
  it('starts from the setup the hand computations assume', () => {
    expect(setup).toMatchObject({ windowMs: 14_400_000, hotRetentionMs: 93_600_000, warmSpanDays: 14, logRetentionHours: 168, replicationFactor: 3, redisReplicas: 1, redisHeadroom: 0.25, targetUtilisation: 0.7, eksClusters: 1 });
  });

  it('prices three brokers (one per zone) when the CPU needs less, and the log at RF 3', () => {
    const b = bill();
    // 5 CPU s/1M x 0.001 M/s x RF 3 = 0.015 vCPU: the 3-broker minimum; the non-production type is skipped.
    expect(cost(b, 'MSK brokers, 3 x large')).toBeCloseTo(3 * 720 * 0.2, 6);
    // 1,000 points/s x 10 B x 168 h x 3,600 s x 3 replicas = 18,144,000,000 B.
    expect(cost(b, 'MSK broker storage')).toBeCloseTo((18_144_000_000 / GIB) * 0.1, 6);
    expect(b.alternatives.map((l) => l.item)).toContain('brokers on EC2, 3 x large');
  });

  it('sizes Redis from the open windows at their peak and the sealed hot span, with headroom', () => {
    const m = redisMemory(load, setup, 20, 5);
    expect(m.openPoints).toBe(60_000 * 240);
    expect(m.sealedPoints).toBe(60_000 * 1_560);
    expect(m.bytes).toBe(14_400_000 * 20 + 93_600_000 * 5);
    expect(m.neededGiB).toBeCloseTo(756_000_000 / GIB / 0.75, 9);
    // 0.94 GiB fits the 10 GiB node; a primary and a replica for 720 h.
    expect(cost(bill(), 'ElastiCache 2 x small')).toBeCloseTo(2 * 720 * 0.2, 6);
  });

  it('counts DynamoDB units: the writer measured, the archiver deleting as many, one read per series-day', () => {
    const u = dynamodbUnits(load, setup, roundFigures(), 720);
    expect(u.writerUnits).toBeCloseTo(2_592 * 5_000, 3);
    expect(u.writeUnits).toBeCloseTo(2 * 12_960_000, 3);
    expect(u.archiverReadUnits).toBeCloseTo(60_000 * 30, 6); // 1,440 points x 2 B fit one 4 KB unit
    expect(u.storedPoints).toBe(60_000 * 15 * 1_440);
    expect(u.storageBytesPerPoint).toBeCloseTo(2 + 100 / 240, 12);
  });

  it('takes provisioned units when they are cheaper, at the average rate over the target use', () => {
    const b = bill();
    // 25,920,000 WCU / 2,592,000 s = 10 WCU, / 0.7 = 14.29 WCU for 720 h at $0.001.
    expect(cost(b, 'provisioned writes')).toBeCloseTo((10 / 0.7) * 720 * 0.001, 6);
    // 1,800,000 RCU a month is 0.99 RCU at 70 %: one unit at least.
    expect(cost(b, 'provisioned reads')).toBeCloseTo(720 * 0.0002, 9);
    expect(b.alternatives.find((l) => l.item === 'on-demand writes')!.cost).toBeCloseTo(25.92, 6);
    expect(cost(bill(load, { ...setup, dynamodbMode: 'on-demand' }), 'on-demand writes')).toBeCloseTo(25.92, 6);
  });

  it('splits S3 storage over its tiers and counts PUTs from the day blocks', () => {
    const b = bill();
    const gib = (60_000 * 446 * 1_440 * 3) / GIB; // 107.66 GiB: 446 cold days at the mean of 2, 3 and 4 bytes
    expect(cost(b, 'storage, first 100')).toBeCloseTo(100 * 0.02, 9);
    expect(cost(b, 'storage, over 100')).toBeCloseTo((gib - 100) * 0.01, 9);
    // 259.2 MB a day / 64 MiB = 3.9 -> 4 day blocks, + 5 other requests, x 30 days.
    expect(cost(b, 'PUT and LIST requests')).toBeCloseTo((270 / 1_000) * 0.005, 12);
  });

  it('charges the larger of the chart requests and the measured CPU', () => {
    const idle = bill();
    expect(cost(idle, 'writer')).toBeCloseTo(0.5 * 720 * 0.04, 9);
    // 6M series: 0.1 M points/s x 20 CPU s/1M = 2 vCPU busy, / 0.7.
    const busy = bill({ ...load, series: 6_000_000 });
    expect(cost(busy, 'writer')).toBeCloseTo((2 / 0.7) * 720 * 0.04, 9);
    expect(cost(busy, 'reader')).toBeCloseTo(0.5 * 720 * 0.04, 9);
  });

  it('adds up to the total worked out by hand', () => {
    expect(total(bill().lines)).toBeCloseTo(858.7667442, 5);
  });

  it('moves with the window length: shorter windows, less open memory', () => {
    const twoHours = redisMemory(load, { ...setup, windowMs: 2 * 3_600_000 }, 20, 5);
    expect(twoHours.openPoints).toBe(60_000 * 120);
  });
});

describe('dayBlocks', () => {
  it.each([
    [1, 64, 1],
    [64, 64, 1],
    [65, 64, 2],
    [3.7e9, 64 * 2 ** 20, 64],
  ])('%d bytes at a %d-byte target: %d block(s)', (bytes, target, blocks) => {
    expect(dayBlocks(bytes, target)).toBe(blocks);
  });
});

describe('cheapestFleet', () => {
  it('picks the cheapest production type for the count it needs', () => {
    const byType = { dev: { price: 0.01, vcpus: 2, memoryGiB: 1, production: false }, a: { price: 1, vcpus: 2, memoryGiB: 10 }, b: { price: 1.5, vcpus: 4, memoryGiB: 30 } };
    const fleet = (need: number) => cheapestFleet(Object.fromEntries(Object.entries(byType).map(([k, v]) => [k, { production: true, ...v }])), (o) => Math.ceil(need / o.memoryGiB));
    expect(fleet(5)).toMatchObject({ type: 'a', count: 1 });
    expect(fleet(25)).toMatchObject({ type: 'b', count: 1 }); // 3 x a = 3.0 against 1 x b = 1.5
  });
});
