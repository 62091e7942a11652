import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * A fresh Prometheus registry for one process, with Node's default metrics (heap, GC,
 * event-loop lag, CPU, file descriptors) prefixed `strata_` and labelled with the service.
 * Components receive this registry and register their own metrics on it.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'strata_' });
  return registry;
}
