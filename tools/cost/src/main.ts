// `npm run cost`: a month's bill for a load, on Strata's AWS parts and on Amazon Managed
// Service for Prometheus, from the latest bench figures and the dated price files.
import * as fs from 'node:fs';
import { resolve } from 'node:path';
import { isStrataError } from '@strata/runtime';
import { benchFiguresPath } from '@strata/testing';
import { ampBill } from './amp-bill';
import { parseChartRequests } from './chart';
import { formatBill, formatComparison, formatLoad, formatSources } from './format';
import { FLAGS, parseCostArgs, PRESETS } from './load';
import { MeasuredFigures } from './measured';
import { PriceBook } from './prices';
import { loadRates, strataBill } from './strata-bill';

const workspace = resolve(__dirname, '../../..');
const data = resolve(__dirname, '../data');

const USAGE = `usage: npm run cost -- [--preset ${Object.keys(PRESETS).join('|')}] [--load load.json] [--figures figures.json] [flags]

--figures names a figures file to prefer (e.g. a bench run with other settings, kept apart
with STRATA_BENCH_FIGURES); figures it lacks come from the usual files.

Prints a month's bill for the load on Strata (Kafka, Redis, DynamoDB, S3, compute) and on
Amazon Managed Service for Prometheus. Per-point figures come from the latest \`npm run bench\`
(.cache/bench/figures.json, or STRATA_BENCH_FIGURES), else from tools/cost/data/measured.json;
prices from tools/cost/data/prices-*.json. STRATA_WINDOW_MS, STRATA_HOT_RETENTION_MS,
STRATA_WARM_SPAN_DAYS and STRATA_RETENTION_DAYS are read as the services read them.

flags:
${FLAGS.map((f) => `  ${f.flag.padEnd(22)} ${f.help}`).join('\n')}
`;

function main(argv: readonly string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const input = parseCostArgs(argv, process.env);
  // --figures first, then the latest bench run, then the committed snapshot: figure by figure.
  const figures = MeasuredFigures.read([...(input.figuresFile !== undefined ? [resolve(input.figuresFile)] : []), benchFiguresPath(workspace, process.env), resolve(data, 'measured.json')]);
  const aws = PriceBook.read(resolve(data, 'prices-aws-us-east-1.json'));
  const amp = PriceBook.read(resolve(data, 'prices-amp-us-east-1.json'));
  const valuesFile = resolve(workspace, 'charts/strata/values.yaml');
  const chart = parseChartRequests('charts/strata/values.yaml', fs.readFileSync(valuesFile, 'utf8'));
  const strata = strataBill({ load: input.load, setup: input.setup, figures, prices: aws, chart });
  const managed = ampBill(input.load, amp);
  const measuredWindow = figures.value('write.windowMs');
  const lines = [
    ...formatLoad(input, loadRates(input.load, aws.hoursPerMonth)),
    ...(measuredWindow !== input.setup.windowMs
      ? [`warning: the bench measured ${measuredWindow / 3_600_000} h windows and this bill uses ${input.setup.windowMs / 3_600_000} h: per-point figures are the measured ones; run the bench with STRATA_WINDOW_MS=${input.setup.windowMs} to measure this setup`]
      : []),
    '',
    ...formatBill(strata),
    '',
    ...formatBill(managed),
    '',
    ...formatComparison(strata, managed, input),
    '',
    ...formatSources(figures.usedFigures(), [aws, amp], workspace),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  // A bad flag, file or STRATA_* setting (ConfigError): the message names it; anything else is a bug.
  if (!isStrataError(error)) throw error;
  process.stderr.write(`cost: ${error.message}\n`);
  process.exitCode = 2;
}
