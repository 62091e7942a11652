import { MetricSnapshot, type Logger } from '@strata/runtime';
import { componentFigures } from './component-figures';
import { checkComponents } from './component-status';
import type { ComponentTarget } from './config';
import type { ComponentStatus, ComponentView } from './dashboard-contract';
import type { ProberMetrics } from './prober-metrics';

/** Values kept per figure for the dashboard's sparklines. */
const SPARK_POINTS = 60;
/**
 * Rates and latency quantiles span about this long (like Prometheus's rate over [1m]),
 * not just the last poll: a probe every 10 s polled every 5 s would otherwise read as a
 * rate flipping between 0 and twice its value.
 */
const RATE_WINDOW_MS = 60_000;

export interface ComponentWatcherOptions {
  readonly targets: readonly ComponentTarget[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly logger: Logger;
  readonly metrics?: ProberMetrics;
  /** @default Date.now */
  readonly now?: () => number;
}

interface Scraped {
  readonly snapshot: MetricSnapshot;
  readonly atMs: number;
}

/**
 * Polls every component's /readyz and /metrics on the server side, so the dashboard
 * needs no access to the components and any number of open pages cost one poll. Rates
 * span the scrapes of about the last minute; readiness changes are logged once, when they
 * change.
 */
export class ComponentWatcher {
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  /** Recent good scrapes per component, oldest first, spanning about RATE_WINDOW_MS. */
  private readonly scrapes = new Map<string, Scraped[]>();
  private readonly sparks = new Map<string, (number | null)[]>();
  private latest: ComponentView[] = [];
  private readonly now: () => number;

  constructor(private readonly options: ComponentWatcherOptions) {
    this.now = options.now ?? Date.now;
  }

  async start(): Promise<void> {
    const tick = () => {
      if (this.polling) return;
      this.polling = this.poll()
        .catch((error: unknown) => this.options.logger.error({ err: error }, 'component poll failed'))
        .finally(() => (this.polling = undefined));
    };
    tick();
    this.timer = setInterval(tick, this.options.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
  }

  /** The components as last polled (empty before the first poll completes). */
  views(): readonly ComponentView[] {
    return this.latest;
  }

  async poll(): Promise<void> {
    const { targets, timeoutMs } = this.options;
    const [statuses, scrapes] = await Promise.all([
      checkComponents(targets, { timeoutMs, now: this.now }),
      Promise.all(targets.map((target) => this.scrape(target))),
    ]);
    const before = new Map(this.latest.map((v) => [v.name, v.ready]));
    this.latest = statuses.map((status, index) => this.view(status, scrapes[index]));
    for (const view of this.latest) {
      this.options.metrics?.componentReady.set({ component: view.name }, view.ready ? 1 : 0);
      const was = before.get(view.name);
      if (was === view.ready) continue;
      if (view.ready) this.options.logger.info({ component: view.name }, 'component is ready');
      else this.options.logger.warn({ component: view.name, problems: view.problems }, 'component is not ready');
    }
  }

  private async scrape(target: ComponentTarget): Promise<Scraped | string> {
    try {
      const response = await fetch(`${target.opsUrl}/metrics`, { signal: AbortSignal.timeout(this.options.timeoutMs) });
      if (response.status !== 200) return `/metrics answered ${response.status}`;
      return { snapshot: MetricSnapshot.parse(await response.text()), atMs: this.now() };
    } catch (error) {
      const { message, cause } = error as { message?: string; cause?: { message?: string; code?: string } };
      return `/metrics unreachable: ${cause?.message ?? cause?.code ?? message ?? String(error)}`;
    }
  }

  private view(status: ComponentStatus, scraped: Scraped | string): ComponentView {
    if (typeof scraped === 'string') {
      // Keep the earlier scrapes: rates resume once it answers again.
      return { ...status, figures: [], metricsProblem: scraped };
    }
    const recent = (this.scrapes.get(status.name) ?? []).filter((s) => s.atMs >= scraped.atMs - RATE_WINDOW_MS);
    const previous = recent[0];
    recent.push(scraped);
    this.scrapes.set(status.name, recent);
    const figures = componentFigures(status.name, {
      current: scraped.snapshot,
      previous: previous?.snapshot,
      seconds: previous ? (scraped.atMs - previous.atMs) / 1_000 : 0,
      nowMs: scraped.atMs,
    });
    return {
      ...status,
      figures: figures.map((figure) => ({ ...figure, spark: this.spark(`${status.name}/${figure.key}`, figure.value) })),
    };
  }

  private spark(key: string, value: number | null): (number | null)[] {
    const values = this.sparks.get(key) ?? [];
    values.push(value);
    if (values.length > SPARK_POINTS) values.splice(0, values.length - SPARK_POINTS);
    this.sparks.set(key, values);
    return [...values];
  }
}
