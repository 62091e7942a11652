import * as fs from 'node:fs';

export interface RunOptions {
  /** The promql-compliance-tester binary, built outside the repository (docs/promql.md). */
  readonly tester: string;
  /** Its promql-test-queries.yml. */
  readonly queries: string;
  /** How long Prometheus scrapes and remote-writes before the tester runs. @default 10 minutes */
  readonly waitMs: number;
  /** Span of the tester's range queries. @default min(10 minutes, what the wait allows) */
  readonly rangeS: number | undefined;
  /** Where the tester's full output goes. @default /tmp/promql-compliance-output.txt */
  readonly output: string;
  /** Comparisons the tester runs at once (its own default is 20). @default 4 */
  readonly parallelism: number;
  /** @default 20 minutes */
  readonly testerTimeoutMs: number;
  /** @default 2.0 */
  readonly remoteWriteVersion: '1.0' | '2.0';
  /** Keep the run's directory (service logs, Prometheus's TSDB, the configs). @default false */
  readonly keep: boolean;
  /** Echo the tester's output (it is always saved). @default true */
  readonly echo: boolean;
}

export const USAGE = `usage: promql-compliance.sh --tester <promql-compliance-tester> --queries <promql-test-queries.yml>
       [--wait 10m] [--range <seconds>] [--output /tmp/promql-compliance-output.txt]
       [--parallelism 4] [--tester-timeout 20m] [--remote-write 1.0|2.0] [--keep] [--quiet] [--no-build]`;

export class UsageError extends Error {}

/** `600`, `600s`, `10m`, `1h` as milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text);
  if (!match) throw new UsageError(`${flag}: expected seconds or a duration such as 90s, 10m or 1h, got ${JSON.stringify(text)}`);
  return Math.round(Number(match[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[match[2] ?? 's']!);
}

function positiveInteger(text: string, flag: string, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new UsageError(`${flag}: expected an integer in [1, ${max}], got ${JSON.stringify(text)}`);
  return value;
}

export function parseRunOptions(argv: readonly string[]): RunOptions {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--keep' || arg === '--quiet' || arg === '--no-build') {
      flags.add(arg);
    } else if (['--tester', '--queries', '--wait', '--range', '--output', '--parallelism', '--tester-timeout', '--remote-write'].includes(arg)) {
      if (argv[i + 1] === undefined) throw new UsageError(`${arg} needs a value`);
      values.set(arg, argv[++i]);
    } else {
      throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  const file = (flag: string) => {
    const path = values.get(flag);
    if (!path) throw new UsageError(`${flag} is required`);
    if (!fs.existsSync(path)) throw new UsageError(`${flag}: ${path} does not exist`);
    return path;
  };
  const remoteWrite = values.get('--remote-write') ?? '2.0';
  if (remoteWrite !== '1.0' && remoteWrite !== '2.0') throw new UsageError(`--remote-write: expected 1.0 or 2.0, got ${JSON.stringify(remoteWrite)}`);
  const waitMs = parseDuration(values.get('--wait') ?? '10m', '--wait');
  if (waitMs < 60_000) throw new UsageError('--wait: at least 1m (the tester compares range queries over the data scraped meanwhile)');
  const range = values.get('--range');
  return {
    tester: file('--tester'),
    queries: file('--queries'),
    waitMs,
    rangeS: range === undefined ? undefined : positiveInteger(range, '--range', 86_400),
    output: values.get('--output') ?? '/tmp/promql-compliance-output.txt',
    parallelism: positiveInteger(values.get('--parallelism') ?? '4', '--parallelism', 100),
    testerTimeoutMs: parseDuration(values.get('--tester-timeout') ?? '20m', '--tester-timeout'),
    remoteWriteVersion: remoteWrite,
    keep: flags.has('--keep'),
    echo: !flags.has('--quiet'),
  };
}
