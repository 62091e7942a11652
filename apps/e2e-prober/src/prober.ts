import type { Tracer } from '@opentelemetry/api';
import { inSpan, type Logger } from '@strata/runtime';
import type { ProbeSettings, ProbeTenant } from './config';
import { runProbe, type ProbeClock, type ProbeOutcome } from './probe';
import { toRecord, type ProbeHistory } from './probe-history';
import type { ProberMetrics } from './prober-metrics';
import type { StrataRpc } from './strata-client';

/** The series the prober writes its own measurements to, as the system it is modelled on did. */
export const SELF_REPORT_SERIES = 'strata.prober.time_to_readable_ms';

export interface ProberDeps {
  readonly tenants: readonly ProbeTenant[];
  readonly settings: ProbeSettings;
  readonly rpc: StrataRpc;
  readonly logger: Logger;
  readonly clock: ProbeClock;
  readonly metrics?: ProberMetrics;
  readonly history?: ProbeHistory;
  /** Each probe (write, then reads until readable) is a span when set; ingest and reader continue it. */
  readonly tracer?: Tracer;
}

/**
 * Probes every tenant once per interval. A round does not wait for the previous one: a
 * probe may take up to its timeout (30 s by default, longer than the interval), and a
 * slow stack is exactly when the probes should keep coming. In-flight probes are bounded
 * by timeout / interval per tenant.
 */
export class Prober {
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly abort = new AbortController();
  /**
   * Probe values: a counter from a random start, so no two probes of a series share a
   * value and a point left by an earlier probe (or process) never counts.
   */
  private sequence = Math.floor(Math.random() * 1e9);

  constructor(private readonly deps: ProberDeps) {
    deps.metrics?.initTenants(deps.tenants.map((t) => t.tenant));
  }

  async start(): Promise<void> {
    const round = () => void this.probeAll().catch((error: unknown) => this.deps.logger.error({ err: error }, 'probe round failed'));
    round();
    this.timer = setInterval(round, this.deps.settings.intervalMs);
  }

  /** Stops scheduling, cuts in-flight probes short (their outcomes are not recorded) and waits for them. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.abort.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  /** One probe per tenant, concurrently. */
  probeAll(): Promise<ProbeOutcome[]> {
    return Promise.all(this.deps.tenants.map((tenant) => this.probe(tenant)));
  }

  /** Tracked from start to finish (self-report included), so stop() waits for all of it. */
  private probe(tenant: ProbeTenant): Promise<ProbeOutcome> {
    const task = this.probeAndRecord(tenant);
    this.inFlight.add(task);
    this.deps.metrics?.inFlight.inc();
    return task.finally(() => {
      this.inFlight.delete(task);
      this.deps.metrics?.inFlight.dec();
    });
  }

  private async probeAndRecord(tenant: ProbeTenant): Promise<ProbeOutcome> {
    const { metrics, history, settings, logger, clock } = this.deps;
    const signal = this.abort.signal;
    const sequence = ++this.sequence;
    const outcome = await inSpan(this.deps.tracer, 'probe', { attributes: { 'strata.tenant': tenant.tenant } }, async (span) => {
      const result = await runProbe(
        tenant,
        sequence,
        {
          rpc: this.deps.rpc,
          clock,
          timeoutMs: settings.timeoutMs,
          rpcTimeoutMs: settings.rpcTimeoutMs,
          labels: [{ name: 'prober', value: settings.instanceId }],
        },
        signal,
      );
      span?.setAttributes({ 'strata.probe.result': result.result, 'strata.probe.read_attempts': result.readAttempts });
      return result;
    });
    if (signal.aborted) return outcome;
    metrics?.record(outcome, clock.wallMs());
    history?.add(toRecord(outcome));
    if (outcome.failure) {
      logger.warn(
        {
          tenant: tenant.tenant,
          result: outcome.result,
          stage: outcome.failure.stage,
          timestampMs: outcome.timestampMs,
          elapsedMs: Math.round(outcome.elapsedMs),
          writeAttempts: outcome.writeAttempts,
          readAttempts: outcome.readAttempts,
        },
        `probe failed at ${outcome.failure.stage === 'write' ? 'the write (ingest)' : 'the read (reader)'}: ${outcome.result}: ${outcome.failure.message}`,
      );
    } else {
      logger.debug({ tenant: tenant.tenant, ms: outcome.timeToReadableMs, readAttempts: outcome.readAttempts }, 'probe ok');
      if (settings.selfReport) await this.selfReport(tenant, outcome);
    }
    return outcome;
  }

  private async selfReport(tenant: ProbeTenant, outcome: ProbeOutcome): Promise<void> {
    const { metrics, logger, settings } = this.deps;
    const request = {
      series: [
        {
          name: SELF_REPORT_SERIES,
          labels: [{ name: 'tenant', value: tenant.tenant }],
          points: [{ timestampMs: outcome.timestampMs, value: Math.round((outcome.timeToReadableMs ?? 0) * 1_000) / 1_000 }],
        },
      ],
    };
    try {
      const response = await this.deps.rpc.write(tenant.apiKey, request, settings.rpcTimeoutMs);
      if (response.accepted !== 1) throw new Error(`ingest accepted ${response.accepted} points: ${response.rejections.map((r) => r.code).join(', ')}`);
      metrics?.selfReports.inc({ result: 'ok' });
    } catch (error) {
      metrics?.selfReports.inc({ result: 'error' });
      logger.warn({ tenant: tenant.tenant, err: error }, `could not write ${SELF_REPORT_SERIES} back into Strata; the measurement is only in /metrics`);
    }
  }
}
