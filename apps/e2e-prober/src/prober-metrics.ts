import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { PROBE_RESULTS, type ProbeOutcome } from './probe';

/** 1 ms to 30 s, fine enough at the low end that an idle stack's p50 is not one bucket. */
export const TIME_TO_READABLE_BUCKETS = [
  0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5,
  10, 15, 20, 30,
];

/** What an operator asks of the prober: does a written point become readable, how fast, and if not, where it fails. */
export class ProberMetrics {
  readonly timeToReadable: Histogram<'tenant'>;
  readonly probes: Counter<'tenant' | 'result'>;
  readonly attempts: Histogram<'tenant' | 'rpc'>;
  readonly lastSuccess: Gauge<'tenant'>;
  readonly inFlight: Gauge;
  readonly selfReports: Counter<'result'>;
  readonly componentReady: Gauge<'component'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.timeToReadable = new Histogram({
      name: 'strata_prober_time_to_readable_seconds',
      help: 'From sending the probe Write to the first Read that returns the point (successful probes)',
      labelNames: ['tenant'],
      buckets: TIME_TO_READABLE_BUCKETS,
      registers,
    });
    this.probes = new Counter({
      name: 'strata_prober_probes_total',
      help: 'Probes by outcome: ok, write_refused, write_unavailable, not_readable_in_time, read_error',
      labelNames: ['tenant', 'result'],
      registers,
    });
    this.attempts = new Histogram({
      name: 'strata_prober_probe_attempts',
      help: 'Calls one probe made: rpc=write (1 unless retried), rpc=read (polls until readable)',
      labelNames: ['tenant', 'rpc'],
      buckets: [1, 2, 3, 5, 10, 20, 50, 100, 200, 500],
      registers,
    });
    this.lastSuccess = new Gauge({
      name: 'strata_prober_last_success_timestamp_seconds',
      help: 'When a probe of this tenant last succeeded (Unix seconds)',
      labelNames: ['tenant'],
      registers,
    });
    this.inFlight = new Gauge({ name: 'strata_prober_in_flight_probes', help: 'Probes started and not finished', registers });
    this.selfReports = new Counter({
      name: 'strata_prober_self_reports_total',
      help: 'Writes of strata.prober.time_to_readable_ms back into Strata, by result (ok, error)',
      labelNames: ['result'],
      registers,
    });
    this.componentReady = new Gauge({
      name: 'strata_prober_component_ready',
      help: "A component's /readyz as the prober last saw it (1 ready, 0 not ready or unreachable)",
      labelNames: ['component'],
      registers,
    });
  }

  /** Every result of every tenant starts at 0, so rate() and ratios work before the first failure. */
  initTenants(tenants: readonly string[]): void {
    for (const tenant of tenants) for (const result of PROBE_RESULTS) this.probes.inc({ tenant, result }, 0);
  }

  record(outcome: ProbeOutcome, nowMs: number): void {
    const { tenant } = outcome;
    this.probes.inc({ tenant, result: outcome.result });
    this.attempts.observe({ tenant, rpc: 'write' }, outcome.writeAttempts);
    if (outcome.readAttempts > 0) this.attempts.observe({ tenant, rpc: 'read' }, outcome.readAttempts);
    if (outcome.result === 'ok' && outcome.timeToReadableMs !== undefined) {
      this.timeToReadable.observe({ tenant }, outcome.timeToReadableMs / 1_000);
      this.lastSuccess.set({ tenant }, nowMs / 1_000);
    }
  }
}
