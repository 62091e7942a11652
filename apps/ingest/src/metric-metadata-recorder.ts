import type { MetricMetadata } from '@strata/prometheus';
import type { Logger } from '@strata/runtime';
import type { RedisMetricMetadataStore } from '@strata/storage/hot';
import type { IngestMetrics } from './ingest-metrics';

/** Longest help text kept; a longer description is not stored (counted as refused). */
export const MAX_HELP_CHARS = 4_096;

export interface MetricMetadataRecorderDeps {
  readonly store: Pick<RedisMetricMetadataStore, 'put'>;
  readonly metrics: IngestMetrics;
  readonly logger: Logger;
  /** Descriptions remembered as written, across tenants; past it the memory starts over. */
  readonly cacheSize: number;
}

/**
 * Keeps the metric metadata remote-write senders send (type, help, unit per family) in
 * the store, off the write's path: the samples' answer never waits for it, and a failure
 * costs the description, not the samples (the sender sends it again: 1.0 every minute, 2.0
 * with every series). Writes only what changed since it last wrote, since 2.0 repeats the
 * same description in every request.
 */
export class MetricMetadataRecorder {
  private readonly written = new Map<string, string>();

  constructor(private readonly deps: MetricMetadataRecorderDeps) {}

  record(tenant: string, entries: ReadonlyMap<string, MetricMetadata>): void {
    const { metrics } = this.deps;
    const changed = new Map<string, MetricMetadata>();
    const json = new Map<string, string>();
    let tooLong = 0;
    for (const [name, entry] of entries) {
      if (entry.help.length > MAX_HELP_CHARS || entry.unit.length > MAX_HELP_CHARS) {
        tooLong++;
        continue;
      }
      const text = JSON.stringify(entry);
      if (this.written.get(`${tenant}\u0000${name}`) === text) continue;
      changed.set(name, entry);
      json.set(name, text);
    }
    if (tooLong > 0) metrics.metadataRefused.inc({ tenant, reason: 'too_long' }, tooLong);
    if (changed.size === 0) return;
    this.deps.store.put(tenant, changed).then(
      (refused) => {
        metrics.metadataWrites.inc({ result: 'ok' });
        if (refused > 0) metrics.metadataRefused.inc({ tenant, reason: 'tenant_limit' }, refused);
        if (this.written.size + json.size > this.deps.cacheSize) this.written.clear();
        // Refused names are remembered too: asking again each request would not change the answer.
        for (const [name, text] of json) this.written.set(`${tenant}\u0000${name}`, text);
      },
      (error: unknown) => {
        metrics.metadataWrites.inc({ result: 'error' });
        this.deps.logger.debug({ err: error, tenant }, 'metric metadata not stored');
      },
    );
  }
}
