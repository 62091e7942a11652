// What GET /api/state serves and the dashboard's browser script draws. The script
// (assets/dashboard.js) imports these types in JSDoc and is type-checked against them
// (assets/tsconfig.json), so the page and the server read one declaration. This file
// imports nothing: the browser's check then sees the contract, not the server's modules
// and their Node types. Every field is plain JSON, so the page receives exactly these
// shapes (dashboard-contract.spec.ts).

export type ProbeResult = 'ok' | 'write_refused' | 'write_unavailable' | 'not_readable_in_time' | 'read_error';

/** One finished probe as the dashboard shows it. */
export interface ProbeRecord {
  /** Probe point timestamp (ms). */
  readonly t: number;
  readonly tenant: string;
  readonly result: ProbeResult;
  /** Time to readable for ok probes; time until the probe gave up otherwise. */
  readonly ms: number;
  readonly writeAttempts: number;
  readonly readAttempts: number;
  readonly stage?: 'write' | 'read';
  readonly message?: string;
}

export interface QuantilePoint {
  /** End of the window (ms). */
  readonly t: number;
  readonly p50: number;
  readonly p99: number;
  /** Successful probes in the window. */
  readonly n: number;
}

export interface ProbeSummary {
  readonly probes: number;
  readonly ok: number;
  readonly failed: number;
  readonly byResult: Readonly<Partial<Record<ProbeResult, number>>>;
  /** Time to readable of the ok probes, ms; null without any. */
  readonly p50: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** How a figure should catch the eye: `bad` and `warn` are coloured on the dashboard. */
export type FigureLevel = 'ok' | 'warn' | 'bad' | 'info';

/** One key number of a component, computed from two scrapes of its /metrics. */
export interface Figure {
  readonly key: string;
  readonly label: string;
  /** Numeric value for sparklines; null when it cannot be computed (yet). */
  readonly value: number | null;
  /** Human-readable value with its unit. */
  readonly text: string;
  readonly level: FigureLevel;
}

export interface ComponentStatus {
  readonly name: string;
  readonly opsUrl: string;
  readonly ready: boolean;
  /** Failing readiness checks, or why the component could not be asked. */
  readonly problems: readonly string[];
  readonly checkedAt: number;
}

export interface ComponentView extends ComponentStatus {
  readonly figures: ReadonlyArray<Figure & { readonly spark: readonly (number | null)[] }>;
  /** Why /metrics could not be read, when it could not. */
  readonly metricsProblem?: string;
}

export type OverallStatus = 'starting' | 'ok' | 'degraded' | 'failing';

export interface DashboardState {
  readonly generatedAt: number;
  readonly status: OverallStatus;
  /** Why the status is not ok, one line each. */
  readonly reasons: readonly string[];
  readonly prober: {
    readonly instanceId: string;
    readonly intervalMs: number;
    readonly timeoutMs: number;
    readonly tenants: readonly string[];
    readonly ingestAddress: string;
    readonly readerAddress: string;
  };
  readonly window: { readonly fromMs: number; readonly toMs: number };
  readonly probes: readonly ProbeRecord[];
  readonly quantiles: { readonly stepMs: number; readonly windowMs: number; readonly points: readonly QuantilePoint[] };
  readonly summary: { readonly last5m: ProbeSummary; readonly window: ProbeSummary };
  /** The newest probe of each tenant. */
  readonly latest: Readonly<Record<string, ProbeRecord>>;
  readonly components: readonly ComponentView[];
}
