import type { ReadinessCheck } from './ops-server';

/**
 * Readiness checks from probes of the stores a process cannot serve without (a PING, a
 * DescribeTable): ready while the probe resolves; otherwise /readyz names the check and
 * the probe's error, `redis: connect ECONNREFUSED …`.
 */
export function probeReadiness(probes: Readonly<Record<string, () => Promise<unknown>>>): Record<string, ReadinessCheck> {
  return Object.fromEntries(
    Object.entries(probes).map(([name, probe]): [string, ReadinessCheck] => [
      name,
      () => probe().then(() => true as const, (error: Error) => `${name}: ${error.message}`),
    ]),
  );
}
