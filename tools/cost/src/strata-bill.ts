import { line, type Bill, type BillLine } from './bill';
import type { ChartRequests } from './chart';
import type { Load, Setup } from './load';
import type { MeasuredFigures } from './measured';
import type { PriceBook, SizedOption } from './prices';
import { tieredCharges } from './tiers';

const GIB = 2 ** 30;
/** DynamoDB's per-item storage overhead (its pricing page: 100 bytes per item). */
const DYNAMODB_ITEM_OVERHEAD_BYTES = 100;
/** A strongly consistent read unit covers 4 KB; an eventually consistent one costs half. */
const READ_UNIT_BYTES = 4_096;
/** MSK spreads brokers evenly over three Availability Zones. */
const KAFKA_ZONES = 3;

export interface StrataBillInput {
  readonly load: Load;
  readonly setup: Setup;
  readonly figures: MeasuredFigures;
  readonly prices: PriceBook;
  readonly chart: ChartRequests;
}

/** The rates every tier's arithmetic starts from. */
export function loadRates(load: Load, hoursPerMonth: number) {
  const secondsPerMonth = hoursPerMonth * 3_600;
  const samplesPerSecond = load.series / load.intervalSeconds;
  return {
    secondsPerMonth,
    daysPerMonth: hoursPerMonth / 24,
    samplesPerSecond,
    samplesPerMonth: samplesPerSecond * secondsPerMonth,
    pointsPerDay: 86_400 / load.intervalSeconds,
    /** Points a series keeps over the retention. */
    retainedPoints: (load.retentionDays * 86_400) / load.intervalSeconds,
  };
}

/** The unit, price and page of a flat price, as a bill line takes them. */
const priced = (prices: PriceBook, name: string) => {
  const p = prices.flat(name);
  return { unit: p.unit, unitPrice: p.price, priceSource: p.page };
};
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
/** A figure as a bill line names it: "name 6,384 WCU/1M points". */
const cite = (figures: MeasuredFigures, name: string, digits = 2) => {
  const f = figures.get(name);
  return `${name} ${fmt(f.value, digits)} ${f.unit}`;
};

export function strataBill(input: StrataBillInput): Bill {
  const parts = [kafka(input), redis(input), dynamodb(input), s3(input), compute(input)];
  return {
    title: 'Strata on AWS',
    lines: parts.flatMap((p) => p.lines),
    alternatives: parts.flatMap((p) => p.alternatives ?? []),
    notes: parts.flatMap((p) => p.notes ?? []),
  };
}

interface Part {
  lines: BillLine[];
  alternatives?: BillLine[];
  notes?: string[];
}

/** The cheapest production type (or the one named) and how many of it, for a need in vCPUs and GiB. */
export function cheapestFleet(
  byType: Readonly<Record<string, SizedOption>>,
  count: (o: SizedOption) => number,
): { type: string; option: SizedOption; count: number } {
  let best: { type: string; option: SizedOption; count: number } | undefined;
  for (const [type, option] of Object.entries(byType)) {
    if (!option.production) continue;
    const n = count(option);
    if (!best || n * option.price < best.count * best.option.price) best = { type, option, count: n };
  }
  if (!best) throw new RangeError('no production type in the price list');
  return best;
}

function kafka({ load, setup, figures, prices }: StrataBillInput): Part {
  const rates = loadRates(load, prices.hoursPerMonth);
  const bytesPerPoint = figures.value('kafka.logBytesPerPoint');
  const storedGiB = (rates.samplesPerSecond * bytesPerPoint * setup.logRetentionHours * 3_600 * setup.replicationFactor) / GIB;
  const vcpus = figures.value('cpu.kafka.secondsPerMillionPoints') * (rates.samplesPerSecond / 1e6) * setup.replicationFactor;
  const brokersFor = (o: SizedOption) => Math.max(KAFKA_ZONES, Math.ceil(vcpus / (o.vcpus * setup.targetUtilisation) / KAFKA_ZONES) * KAFKA_ZONES);
  const sizing = `${fmt(vcpus, 3)} vCPU busy = ${cite(figures, 'cpu.kafka.secondsPerMillionPoints')} x ${fmt(rates.samplesPerSecond / 1e6, 4)} M points/s x RF ${setup.replicationFactor}; at least ${KAFKA_ZONES} brokers (one per zone), at ${setup.targetUtilisation * 100} % CPU`;
  const storageBasis = `${cite(figures, 'kafka.logBytesPerPoint', 1)} x ${fmt(rates.samplesPerSecond, 1)} points/s x ${fmt(setup.logRetentionHours)} h retention x RF ${setup.replicationFactor}`;
  const msk = () => {
    const hourly = prices.sized('msk.brokerHour');
    const fleet = cheapestFleet(hourly.byType, brokersFor);
    return [
      line({ tier: 'Kafka', item: `MSK brokers, ${fleet.count} x ${fleet.type}`, quantity: fleet.count * prices.hoursPerMonth, unit: 'broker-hours', unitPrice: fleet.option.price, basis: sizing, priceSource: hourly.page }),
      line({ tier: 'Kafka', item: 'MSK broker storage', quantity: storedGiB, basis: storageBasis, ...priced(prices, 'msk.storage') }),
    ];
  };
  const ec2 = () => {
    const hourly = prices.sized('ec2.instanceHour');
    const fleet = cheapestFleet(hourly.byType, brokersFor);
    return [
      line({ tier: 'Kafka', item: `brokers on EC2, ${fleet.count} x ${fleet.type}`, quantity: fleet.count * prices.hoursPerMonth, unit: 'instance-hours', unitPrice: fleet.option.price, basis: sizing, priceSource: hourly.page }),
      line({ tier: 'Kafka', item: 'broker volumes (gp3)', quantity: storedGiB, basis: storageBasis, ...priced(prices, 'ebs.gp3.storage') }),
    ];
  };
  return setup.kafka === 'msk' ? { lines: msk(), alternatives: ec2() } : { lines: ec2(), alternatives: msk() };
}

/** Redis memory: every series' open window full (its peak, just before it closes) plus the sealed windows of the hot span. */
export function redisMemory(load: Load, setup: Setup, openBytesPerPoint: number, sealedBytesPerPoint: number) {
  const openPoints = load.series * (setup.windowMs / 1_000 / load.intervalSeconds);
  const sealedPoints = load.series * (setup.hotRetentionMs / 1_000 / load.intervalSeconds);
  const bytes = openPoints * openBytesPerPoint + sealedPoints * sealedBytesPerPoint;
  return { openPoints, sealedPoints, bytes, neededGiB: bytes / GIB / (1 - setup.redisHeadroom) };
}

function redis({ load, setup, figures, prices }: StrataBillInput): Part {
  const rates = loadRates(load, prices.hoursPerMonth);
  const memory = redisMemory(load, setup, figures.value('redis.openBytesPerPoint'), figures.value('redis.sealedBytesPerPoint'));
  // Redis runs commands on one thread: a shard's core bounds its rate.
  const vcpus = figures.value('cpu.redis.secondsPerMillionPoints') * (rates.samplesPerSecond / 1e6);
  const cpuShards = Math.ceil(vcpus / setup.targetUtilisation);
  const hourly = prices.sized('elasticache.nodeHour');
  const nodes = 1 + setup.redisReplicas;
  const fleet = cheapestFleet(hourly.byType, (o) => Math.max(1, cpuShards, Math.ceil(memory.neededGiB / o.memoryGiB)));
  const basis =
    `${fmt(memory.neededGiB, 2)} GiB = (${fmt(memory.openPoints)} open points x ${cite(figures, 'redis.openBytesPerPoint', 1)} (${setup.windowMs / 3_600_000} h windows)` +
    ` + ${fmt(memory.sealedPoints)} sealed points x ${cite(figures, 'redis.sealedBytesPerPoint', 1)} (${setup.hotRetentionMs / 3_600_000} h hot span)) / ${1 - setup.redisHeadroom} usable;` +
    ` CPU ${fmt(vcpus, 3)} of one core (${cite(figures, 'cpu.redis.secondsPerMillionPoints')}); ${fleet.count} shard(s) x ${nodes} node(s) (${setup.redisReplicas} replica(s))`;
  return {
    lines: [line({ tier: 'Redis', item: `ElastiCache ${fleet.count * nodes} x ${fleet.type}`, quantity: fleet.count * nodes * prices.hoursPerMonth, unit: 'node-hours', unitPrice: fleet.option.price, basis, priceSource: hourly.page })],
  };
}

/** DynamoDB units per month, each with how it was derived. */
export function dynamodbUnits(load: Load, setup: Setup, figures: MeasuredFigures, hoursPerMonth: number) {
  const rates = loadRates(load, hoursPerMonth);
  const writerUnits = (rates.samplesPerMonth / 1e6) * figures.value('dynamodb.writeUnitsPerMillionPoints');
  const itemBytesPerPoint = figures.value('dynamodb.itemBytesPerPoint');
  // A churned series leaves one window cut short and adds one day-index entry: two more puts, and the archiver deletes both.
  const churnUnits = load.series * load.churnPerDay * rates.daysPerMonth * 2 * 2;
  const seriesDays = load.series * (1 + load.churnPerDay) * rates.daysPerMonth;
  const archiverReadUnits = seriesDays * Math.ceil((rates.pointsPerDay * itemBytesPerPoint) / READ_UNIT_BYTES);
  const queries = load.queriesPerSecond * load.queryWarmShare * rates.secondsPerMonth;
  const queryBytes = ((load.queryRangeHours * 3_600) / load.intervalSeconds) * itemBytesPerPoint;
  const queryReadUnits = queries * load.seriesPerQuery * 0.5 * Math.max(1, Math.ceil(queryBytes / READ_UNIT_BYTES));
  const pointsPerWindow = setup.windowMs / 1_000 / load.intervalSeconds;
  const storedPoints = load.series * (setup.warmSpanDays + 1) * rates.pointsPerDay;
  const storageBytesPerPoint = itemBytesPerPoint + DYNAMODB_ITEM_OVERHEAD_BYTES / pointsPerWindow;
  return {
    writeUnits: writerUnits * 2 + churnUnits,
    writerUnits,
    churnUnits,
    readUnits: archiverReadUnits + queryReadUnits,
    archiverReadUnits,
    queryReadUnits,
    storedPoints,
    storageBytesPerPoint,
    storedGiB: (storedPoints * storageBytesPerPoint) / GIB,
    pointsPerWindow,
  };
}

function dynamodb({ load, setup, figures, prices }: StrataBillInput): Part {
  const rates = loadRates(load, prices.hoursPerMonth);
  const u = dynamodbUnits(load, setup, figures, prices.hoursPerMonth);
  const writeBasis =
    `writer ${fmt(u.writerUnits)} = ${fmt(rates.samplesPerMonth / 1e6)} M points x ${cite(figures, 'dynamodb.writeUnitsPerMillionPoints', 0)};` +
    ` archiver deletes as many (each chunk and day-index entry once, docs/cold-format.md); churn ${fmt(u.churnUnits)}`;
  const readBasis =
    `archiver ${fmt(u.archiverReadUnits)} (one consistent Query per series-day of ${fmt(rates.pointsPerDay)} points x ${cite(figures, 'dynamodb.itemBytesPerPoint')});` +
    ` queries ${fmt(u.queryReadUnits)} (${load.queriesPerSecond}/s x ${load.queryWarmShare * 100} % warm x ${load.seriesPerQuery} series, eventually consistent)`;
  const capacity = (units: number) => Math.max(1, units / rates.secondsPerMonth / setup.targetUtilisation);
  const onDemand = [
    line({ tier: 'DynamoDB', item: 'on-demand writes', quantity: u.writeUnits / 1e6, basis: writeBasis, ...priced(prices, 'dynamodb.onDemand.write') }),
    line({ tier: 'DynamoDB', item: 'on-demand reads', quantity: u.readUnits / 1e6, basis: readBasis, ...priced(prices, 'dynamodb.onDemand.read') }),
  ];
  const wcu = capacity(u.writeUnits);
  const rcu = capacity(u.readUnits);
  const provisioned = [
    line({ tier: 'DynamoDB', item: `provisioned writes, ${fmt(wcu, 1)} WCU`, quantity: wcu * prices.hoursPerMonth, basis: `${fmt(u.writeUnits)} units a month at ${setup.targetUtilisation * 100} % use (${writeBasis})`, ...priced(prices, 'dynamodb.provisioned.write') }),
    line({ tier: 'DynamoDB', item: `provisioned reads, ${fmt(rcu, 1)} RCU`, quantity: rcu * prices.hoursPerMonth, basis: `${fmt(u.readUnits)} units a month at ${setup.targetUtilisation * 100} % use (${readBasis})`, ...priced(prices, 'dynamodb.provisioned.read') }),
  ];
  const cost = (ls: BillLine[]) => ls.reduce((s, l) => s + l.cost, 0);
  const useProvisioned = setup.dynamodbMode === 'provisioned' || (setup.dynamodbMode === 'auto' && cost(provisioned) < cost(onDemand));
  const storage = line({
    tier: 'DynamoDB',
    item: 'storage',
    quantity: u.storedGiB,
    basis: `${fmt(u.storedPoints)} points (${setup.warmSpanDays} d warm span + the day in progress) x ${fmt(u.storageBytesPerPoint, 3)} bytes (${cite(figures, 'dynamodb.itemBytesPerPoint', 3)} + ${DYNAMODB_ITEM_OVERHEAD_BYTES} B item overhead / ${fmt(u.pointsPerWindow)} points per window)`,
    ...priced(prices, 'dynamodb.storage'),
  });
  const notes = useProvisioned
    ? [`DynamoDB provisioned at the average rate / ${setup.targetUtilisation}: sealing bursts at each window's end are throttled and spread out (the writer backs off and never drops), so warm writes lag by up to a window.`]
    : [];
  return { lines: [...(useProvisioned ? provisioned : onDemand), storage], alternatives: useProvisioned ? onDemand : provisioned, notes };
}

/** S3 bytes per point of the chosen archive-bench dataset, or the mean of the three. */
function s3BytesPerPoint(figures: MeasuredFigures, prefix: string, dataset: Setup['s3Dataset']): { value: number; basis: string } {
  const names = dataset === 'mean' ? ['gauge', 'counter', 'float'] : [dataset];
  const values = names.map((n) => figures.value(`${prefix}.${n}`));
  const value = values.reduce((a, b) => a + b, 0) / values.length;
  return { value, basis: dataset === 'mean' ? `mean of ${names.map((n) => cite(figures, `${prefix}.${n}`, 3)).join(', ')}` : cite(figures, `${prefix}.${dataset}`, 3) };
}

/** Day blocks per tenant-day: a power of two keeping blocks near the target size (docs/cold-format.md). */
export function dayBlocks(dayBytes: number, blockTargetBytes: number): number {
  return 2 ** Math.max(0, Math.ceil(Math.log2(dayBytes / blockTargetBytes)));
}

function s3({ load, setup, figures, prices }: StrataBillInput): Part {
  const rates = loadRates(load, prices.hoursPerMonth);
  const coldDays = Math.max(0, load.retentionDays - setup.warmSpanDays);
  const storedPoints = load.series * coldDays * rates.pointsPerDay;
  const bpp = s3BytesPerPoint(figures, 's3.bytesPerPoint', setup.s3Dataset);
  const storage = prices.tiered('s3.storage');
  const storedGiB = (storedPoints * bpp.value) / GIB;
  const storageLines = tieredCharges(storedGiB, storage.tiers).map((c) =>
    line({
      tier: 'S3',
      item: `storage${storage.tiers.length > 1 ? `, ${c.tier.label ?? ''}` : ''}`,
      quantity: c.quantity,
      unit: storage.unit,
      unitPrice: c.tier.price,
      basis: `${fmt(storedGiB, 1)} GB in all = ${fmt(storedPoints)} points (${fmt(coldDays)} cold days = ${load.retentionDays} retention - ${setup.warmSpanDays} warm) x ${fmt(bpp.value, 3)} bytes (${bpp.basis})`,
      priceSource: storage.page,
    }),
  );
  const dayBytes = load.series * rates.pointsPerDay * s3BytesPerPoint(figures, 's3.dayBlockBytesPerPoint', setup.s3Dataset).value;
  const blocks = dayBlocks(dayBytes, figures.value('s3.blockTargetBytes'));
  const otherPuts = figures.value('s3.archivePutsPerTenantDay') - figures.value('s3.archiveDayBlocksPerTenantDay') + figures.value('s3.archiveListsPerTenantDay');
  const puts = (blocks + otherPuts) * rates.daysPerMonth;
  const coldReads = load.queriesPerSecond * load.queryColdShare * load.seriesPerQuery * rates.secondsPerMonth;
  const readRequests = figures.value('s3.coldReadRequests.1h.first');
  const gets = coldReads * readRequests + figures.value('s3.archiveGetsPerTenantDay') * rates.daysPerMonth;
  return {
    lines: [
      ...storageLines,
      line({
        tier: 'S3',
        item: 'PUT and LIST requests',
        quantity: puts / 1_000,
        basis: `${fmt(blocks)} day block(s) (${fmt(dayBytes / 2 ** 20)} MiB a day / ${cite(figures, 's3.blockTargetBytes', 0)}, to a power of 2) + ${fmt(otherPuts, 1)} other PUTs and LISTs (s3.archivePutsPerTenantDay - day blocks + s3.archiveListsPerTenantDay), per day, one tenant`,
        ...priced(prices, 's3.put'),
      }),
      line({
        tier: 'S3',
        item: 'GET requests',
        quantity: gets / 1_000,
        basis: `${fmt(coldReads)} cold series reads (${load.queriesPerSecond}/s x ${load.queryColdShare * 100} % x ${load.seriesPerQuery} series) x ${cite(figures, 's3.coldReadRequests.1h.first', 0)} + archiver ${cite(figures, 's3.archiveGetsPerTenantDay', 1)}`,
        ...priced(prices, 's3.get'),
      }),
    ],
  };
}

function compute({ load, setup, figures, prices, chart }: StrataBillInput): Part {
  const rates = loadRates(load, prices.hoursPerMonth);
  const instance = cheapestFleet(prices.sized('ec2.instanceHour').byType, () => 1);
  const perVcpuHour = instance.option.price / instance.option.vcpus;
  const measured: Readonly<Record<string, string | undefined>> = { ingest: 'cpu.ingest.secondsPerMillionPoints', writer: 'cpu.writer.secondsPerMillionPoints', archiver: 'cpu.archiver.secondsPerMillionPoints' };
  const lines = Object.entries(chart.apps).map(([app, requested]) => {
    const figure = measured[app];
    const requestedVcpus = requested.replicas * requested.cpu;
    const busy = figure ? figures.value(figure) * (rates.samplesPerSecond / 1e6) : undefined;
    const needed = busy === undefined ? 0 : busy / setup.targetUtilisation;
    const vcpus = Math.max(needed, requestedVcpus);
    const chartPart = `chart requests ${requested.replicas} x ${requested.cpu} vCPU = ${fmt(requestedVcpus, 2)}`;
    const basis = busy === undefined ? `${chartPart} (its CPU per point is not measured)` : `larger of ${chartPart} and ${fmt(busy, 3)} vCPU busy (${cite(figures, figure!)} x ${fmt(rates.samplesPerSecond / 1e6, 4)} M points/s) / ${setup.targetUtilisation} = ${fmt(needed, 2)}`;
    return line({ tier: 'Compute', item: `${app}, ${fmt(vcpus, 2)} vCPU`, quantity: vcpus * prices.hoursPerMonth, unit: 'vCPU-hours', unitPrice: perVcpuHour, basis, priceSource: `${prices.sized('ec2.instanceHour').page}: ${instance.type} / ${instance.option.vcpus} vCPU` });
  });
  if (setup.eksClusters > 0) {
    const basis = `${setup.eksClusters} cluster(s) for Strata alone (--eks-clusters 0 on a shared cluster)`;
    lines.push(line({ tier: 'Compute', item: 'EKS control plane', quantity: setup.eksClusters * prices.hoursPerMonth, basis, ...priced(prices, 'eks.clusterHour') }));
  }
  return { lines };
}
