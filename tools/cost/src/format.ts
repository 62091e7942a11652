import { relative } from 'node:path';
import { byTier, total, type Bill, type BillLine } from './bill';
import type { CostInput } from './load';
import type { SourcedFigure } from './measured';
import type { PriceBook } from './prices';

const money = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const num = (n: number) => (n === 0 ? '0' : n >= 100 ? n.toLocaleString('en-US', { maximumFractionDigits: 0 }) : n >= 1 ? n.toLocaleString('en-US', { maximumFractionDigits: 2 }) : n.toPrecision(3));
const price = (n: number) => `$${n >= 0.01 ? n.toLocaleString('en-US', { maximumFractionDigits: 4 }) : n.toPrecision(3)}`;

/** The goal of issue "what Strata costs to run": Strata's whole bill at most a third of AMP's for ingesting and storing. */
export const GOAL_RATIO = 1 / 3;

function formatLine(l: BillLine, indent = '  '): string[] {
  return [
    `${indent}${l.item.padEnd(44)} ${num(l.quantity).padStart(14)} ${l.unit.padEnd(30)} x ${price(l.unitPrice).padStart(9)} = ${money(l.cost).padStart(12)}`,
    `${indent}    ${l.basis}`,
  ];
}

export function formatBill(bill: Bill): string[] {
  const out = [`${bill.title}`];
  for (const { tier, cost } of byTier(bill.lines)) {
    out.push(`  ${tier}${' '.repeat(Math.max(1, 118 - tier.length))}${money(cost).padStart(12)}`);
    for (const l of bill.lines.filter((x) => x.tier === tier)) out.push(...formatLine(l, '    '));
  }
  out.push(`  ${'total a month'.padEnd(118)}${money(total(bill.lines)).padStart(12)}`);
  if (bill.alternatives.length > 0) {
    out.push('  not taken (priced for comparison):');
    for (const l of bill.alternatives) out.push(...formatLine(l, '    '));
  }
  for (const note of bill.notes) out.push(`  note: ${note}`);
  return out;
}

export function formatLoad(input: CostInput, rates: { samplesPerSecond: number; samplesPerMonth: number }): string[] {
  const { load, setup } = input;
  return [
    `Load (${input.origin})`,
    `  active series ${load.series.toLocaleString('en-US')}, scrape interval ${load.intervalSeconds} s, retention ${load.retentionDays} d, churn ${load.churnPerDay * 100} % new series a day`,
    `  = ${num(rates.samplesPerSecond)} samples/s, ${num(rates.samplesPerMonth)} samples a month`,
    `  queries ${load.queriesPerSecond}/s of ${load.seriesPerQuery} series over ${load.queryRangeHours} h; ${load.queryWarmShare * 100} % reach DynamoDB, ${load.queryColdShare * 100} % reach S3`,
    `Setup: ${setup.windowMs / 3_600_000} h windows, ${setup.hotRetentionMs / 3_600_000} h hot span, ${setup.warmSpanDays} d warm span, Kafka ${setup.kafka} with ${setup.logRetentionHours} h log retention x RF ${setup.replicationFactor},` +
      ` Redis ${setup.redisReplicas} replica(s) per shard and ${setup.redisHeadroom * 100} % memory headroom, DynamoDB ${setup.dynamodbMode}, capacity bought at ${setup.targetUtilisation * 100} % average use`,
  ];
}

/** Which files and runs the figures came from, and the price files; paths relative to `root`. */
export function formatSources(figures: readonly SourcedFigure[], prices: readonly PriceBook[], root: string): string[] {
  const out = ['Measured figures used (section, run time UTC, commit):'];
  const files = [...new Set(figures.map((f) => relative(root, f.file)))];
  for (const file of files) out.push(`  from ${file}`);
  for (const f of figures) out.push(`  ${f.name.padEnd(42)} ${num(f.value).padStart(10)} ${f.unit.padEnd(22)} ${f.section}, ${f.measuredAt.slice(0, 16)}, ${f.commit}${files.length > 1 ? `, ${relative(root, f.file)}` : ''}`);
  out.push('Prices:');
  for (const p of prices) {
    out.push(`  ${relative(root, p.file)}: ${p.name}, written ${p.written}, ${p.checked === null ? 'never checked against the pages it names' : `checked ${p.checked}`}.`);
    out.push(`    ${p.howChecked}`);
  }
  return out;
}

export function formatComparison(strata: Bill, amp: Bill, input: CostInput): string[] {
  const strataTotal = total(strata.lines);
  const ampGoal = total(amp.lines, (l) => l.inGoal !== false);
  const ratio = strataTotal / ampGoal;
  const tiers = byTier(strata.lines).sort((a, b) => b.cost - a.cost);
  const out = [
    'Comparison',
    `  Strata, whole bill                               ${money(strataTotal).padStart(12)} a month`,
    `  AMP, ingesting and storing the same samples      ${money(ampGoal).padStart(12)} a month   (with queries: ${money(total(amp.lines))})`,
    `  ratio ${ratio.toFixed(3)} (goal: at most ${GOAL_RATIO.toFixed(3)}): ${ratio <= GOAL_RATIO ? 'met' : 'not met'}`,
    `  largest Strata tier: ${tiers[0].tier} ${money(tiers[0].cost)} (${((tiers[0].cost / strataTotal) * 100).toFixed(0)} %)`,
  ];
  if (ratio > GOAL_RATIO) {
    const excess = strataTotal - ampGoal * GOAL_RATIO;
    out.push(`  to meet it Strata must shed ${money(excess)} a month (${((excess / strataTotal) * 100).toFixed(0)} % of its bill); ${tiers[0].tier} alone is ${money(tiers[0].cost)}`);
  }
  out.push(`  (${input.load.series.toLocaleString('en-US')} series at ${input.load.intervalSeconds} s, ${input.load.retentionDays} d)`);
  return out;
}
