import { CostInputError } from './errors';
import { defaultSetup, parseCostArgs, parseCount, parseDurationMs, PRESETS } from './load';

describe('parseCostArgs', () => {
  it('starts from the 1M preset and the shipped settings', () => {
    const input = parseCostArgs([], {});
    expect(input.load).toEqual(PRESETS['1m']);
    expect(input.setup).toMatchObject({ windowMs: 4 * 3_600_000, hotRetentionMs: 26 * 3_600_000, warmSpanDays: 14, logRetentionHours: 168 });
  });

  it("reads the services' own settings from the environment", () => {
    const input = parseCostArgs([], { STRATA_WINDOW_MS: '7200000', STRATA_WARM_SPAN_DAYS: '7', STRATA_RETENTION_DAYS: '90' });
    expect(input.setup).toMatchObject({ windowMs: 7_200_000, warmSpanDays: 7 });
    expect(input.load.retentionDays).toBe(90);
  });

  it('lays flags over the preset, in order', () => {
    const input = parseCostArgs(['--preset', '10k', '--series', '2.5M', '--interval=15s', '--retention', '90d', '--churn', '5%', '--window', '2h', '--warm-span', '7', '--kafka', 'ec2'], {});
    expect(input.load).toMatchObject({ series: 2_500_000, intervalSeconds: 15, retentionDays: 90, churnPerDay: 0.05, queriesPerSecond: PRESETS['10k'].queriesPerSecond });
    expect(input.setup).toMatchObject({ windowMs: 7_200_000, warmSpanDays: 7, kafka: 'ec2' });
    expect(input.origin).toBe('preset 10k, --series 2.5M, --interval 15s, --retention 90d, --churn 5%, --window 2h, --warm-span 7, --kafka ec2');
  });

  it.each([
    [['--series', '0'], '--series'],
    [['--series', 'many'], '--series'],
    [['--interval', '1w'], '--interval'],
    [['--churn', '1.5'], '--churn'],
    [['--window', '7h'], '--window'],
    [['--log-retention', '24h'], '--log-retention'],
    [['--kafka', 'kinesis'], '--kafka'],
    [['--preset', '5m'], '--preset'],
    [['--colour', 'red'], '--colour'],
    [['--series'], '--series'],
  ])('refuses %j, naming %s', (argv, flag) => {
    expect(() => parseCostArgs(argv, {})).toThrow(CostInputError);
    expect(() => parseCostArgs(argv, {})).toThrow(new RegExp(`^${flag}`));
  });
});

describe('parseDurationMs and parseCount', () => {
  it.each([
    ['60s', 's', 60_000],
    ['60', 's', 60_000],
    ['1.5h', 'h', 5_400_000],
    ['460d', 'd', 460 * 86_400_000],
    ['14', 'd', 14 * 86_400_000],
  ] as const)('%s (bare unit %s) is %d ms', (text, unit, ms) => {
    expect(parseDurationMs('--x', text, unit)).toBe(ms);
  });

  it.each([
    ['10k', 10_000],
    ['1M', 1_000_000],
    ['1e7', 10_000_000],
    ['1_000_000', 1_000_000],
  ])('%s is %d', (text, n) => {
    expect(parseCount('--x', text)).toBe(n);
  });

  it('takes the defaults from the tiers readers, not from constants here', () => {
    expect(defaultSetup({}).windowMs).toBe(14_400_000);
    expect(() => defaultSetup({ STRATA_WINDOW_MS: 'soon' })).toThrow(/STRATA_WINDOW_MS/);
  });
});
