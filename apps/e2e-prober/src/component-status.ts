import type { ComponentTarget } from './config';
import type { ComponentStatus } from './dashboard-contract';

/**
 * Asks each component's `/readyz`. A component that does not answer within the timeout,
 * or answers anything but 200, is reported not ready with the reason.
 */
export async function checkComponents(
  targets: readonly ComponentTarget[],
  options: { timeoutMs: number; now?: () => number },
): Promise<ComponentStatus[]> {
  const now = options.now ?? Date.now;
  return Promise.all(
    targets.map(async (target): Promise<ComponentStatus> => {
      const base = { name: target.name, opsUrl: target.opsUrl };
      try {
        const response = await fetch(`${target.opsUrl}/readyz`, { signal: AbortSignal.timeout(options.timeoutMs) });
        const body = (await response.json().catch(() => ({}))) as { checks?: Record<string, true | string> };
        const problems = Object.entries(body.checks ?? {})
          .filter(([, result]) => result !== true)
          .map(([check, result]) => `${check}: ${String(result)}`);
        if (response.status !== 200 && problems.length === 0) problems.push(`/readyz answered ${response.status}`);
        return { ...base, ready: response.status === 200, problems, checkedAt: now() };
      } catch (error) {
        // fetch wraps socket errors ("fetch failed"); the cause says what actually happened.
        const { message, cause } = error as { message?: string; cause?: { message?: string; code?: string } };
        const reason = cause?.message ?? cause?.code ?? message ?? String(error);
        return { ...base, ready: false, problems: [`unreachable: ${reason}`], checkedAt: now() };
      }
    }),
  );
}
