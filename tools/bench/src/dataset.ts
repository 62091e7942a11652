import type { Series } from '@strata/proto';
import { prng } from '@strata/testing';

const MINUTE = 60_000;

type Kind = 'gauge' | 'counter' | 'small-int' | 'noisy';

interface SeriesState {
  readonly name: string;
  readonly labels: Array<{ name: string; value: string }>;
  readonly kind: Kind;
  value: number;
  nextTimestamp: number;
}

const KINDS: readonly Kind[] = ['gauge', 'gauge', 'counter', 'small-int', 'noisy'];
const METRICS: Record<Kind, string> = { gauge: 'cpu.user', counter: 'net.bytes_in', 'small-int': 'procs.running', noisy: 'load.ewma' };

/**
 * A monitoring-shaped workload: hosts × metrics, one point per series per minute. Gauges
 * are 2-decimal percentages on a random walk, counters grow by integers, small integers
 * jitter, and one kind is full-precision noise. Deterministic for a seed.
 */
export class MonitoringDataset {
  private readonly series: SeriesState[] = [];
  private readonly random: () => number;
  private cursor = 0;

  /** `prefix` starts every series name (default `host`), so two datasets never share a series. */
  constructor(options: { seriesCount: number; firstTimestampMs: number; seed: number; prefix?: string }) {
    this.random = prng(options.seed);
    const first = options.firstTimestampMs - (options.firstTimestampMs % MINUTE);
    for (let i = 0; i < options.seriesCount; i++) {
      const kind = KINDS[i % KINDS.length];
      const host = `h${String(Math.floor(i / KINDS.length)).padStart(5, '0')}`;
      this.series.push({
        name: `${options.prefix ?? 'host'}.${host}.${METRICS[kind]}${kind === 'gauge' ? `.${i % 2}` : ''}`,
        labels: [{ name: 'dc', value: `dc${i % 3}` }],
        kind,
        value: kind === 'gauge' ? 50 : kind === 'counter' ? Math.floor(this.random() * 1e9) : 10,
        nextTimestamp: first,
      });
    }
  }

  /** The workload kind of a series, from its name (for per-kind size reports). */
  static kindOf(seriesKey: string): string {
    const descriptions: Record<Kind, string> = {
      gauge: 'gauge, 2 decimals (cpu %)',
      counter: 'counter, integers',
      'small-int': 'small integers',
      noisy: 'full-precision noise',
    };
    const kind = (Object.keys(METRICS) as Kind[]).find((k) => seriesKey.includes(`.${METRICS[k]}`));
    return kind ? descriptions[kind] : 'other';
  }

  get seriesCount(): number {
    return this.series.length;
  }

  /** The next `seriesPerRequest` series (round robin), each with its next `pointsPerSeries` minutes. */
  nextRequest(seriesPerRequest: number, pointsPerSeries: number): { series: Series[]; points: number } {
    const out: Series[] = [];
    for (let s = 0; s < seriesPerRequest; s++) {
      const state = this.series[this.cursor];
      this.cursor = (this.cursor + 1) % this.series.length;
      const points = [];
      for (let p = 0; p < pointsPerSeries; p++) {
        points.push({ timestampMs: state.nextTimestamp, value: this.step(state) });
        state.nextTimestamp += MINUTE;
      }
      out.push({ name: state.name, labels: state.labels, points });
    }
    return { series: out, points: seriesPerRequest * pointsPerSeries };
  }

  private step(state: SeriesState): number {
    const r = this.random();
    switch (state.kind) {
      case 'gauge':
        state.value = Math.min(100, Math.max(0, state.value + (r - 0.5) * 2));
        return Math.round(state.value * 100) / 100;
      case 'counter':
        state.value += Math.floor(r * 5_000);
        return state.value;
      case 'small-int':
        return Math.max(0, Math.round(state.value + (r - 0.5) * 6));
      case 'noisy':
        return r * 4 + Math.sin(state.nextTimestamp / 3_600_000);
    }
  }
}
