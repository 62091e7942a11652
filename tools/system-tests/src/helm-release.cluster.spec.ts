import { status, type CallOptions, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { seriesKey } from '@strata/model';
import type { IngestServiceClient, WriteRequest, WriteResponse } from '@strata/proto';
import { pollUntil } from '@strata/testing';
import { AckLedger } from './harness/ack-ledger';
import { HelmRelease, type ProbeEvent } from './harness/helm-release';
import { createIngestClient } from './harness/ingest-client';
import { checkAgainstLedger, describeCheck, type LedgerCheck, type StoredPoints } from './harness/ledger-check';
import { LoadGenerator } from './harness/load-generator';
import { loadSeries, recentPastPlan, type LoadPlan } from './harness/load-plan';
import { createReaderClient, readAll } from './harness/reader-client';

// Strata installed by Helm on the test cluster (npm run test:cluster), disturbed the way
// operators disturb it: an upgrade that rolls every pod of three Deployments, and pods
// deleted outright. A steady write load runs through the ingest Service meanwhile, and
// every acknowledged point must then be read back through the reader Service.

const env = process.env;
const release = HelmRelease.fromEnv(env);
// `key:tenant,key:tenant`: one tenant per test, so each reads back only its own points.
const tenants = (env['STRATA_CLUSTER_API_KEYS'] ?? '').split(',').map((pair) => {
  const [apiKey = '', tenant = ''] = pair.split(':');
  return { apiKey, tenant };
});
type Tenant = (typeof tenants)[number];
const log = (line: string) => process.stdout.write(`[cluster] ${line}\n`);

interface ProberSummary {
  readonly probes: number;
  readonly ok: number;
  readonly failed: number;
}

async function proberSummary(): Promise<ProberSummary> {
  const address = await release.serviceAddress('e2e-prober', 9005);
  const response = await fetch(`http://${address}/api/state`, { signal: AbortSignal.timeout(5_000) });
  const state = (await response.json()) as { summary: { window: ProberSummary } };
  return state.summary.window;
}

/** Every series of the plan, read through the reader Service, keyed as the ledger keys them. */
async function readBack({ apiKey, tenant }: Tenant, plan: LoadPlan): Promise<Map<string, StoredPoints>> {
  const reader = createReaderClient(await release.serviceAddress('reader', 7002));
  try {
    const stored = new Map<string, StoredPoints>();
    const toMs = plan.fromMs + (plan.maxTicks + 1) * plan.stepMs;
    for (let s = 0; s < plan.seriesCount; s++) {
      const { name, labels } = loadSeries(s);
      const result = await readAll(reader, apiKey, { series: [{ name, labels }], matchers: [], fromMs: plan.fromMs, toMs, stepMs: 0, aggregation: 0 });
      const points = result.series.get(seriesKey(name, labels)) ?? [];
      stored.set(`${tenant}/${seriesKey(name, labels)}`, { points: new Map(points), anomalies: result.warnings });
    }
    return stored;
  } finally {
    reader.close();
  }
}

async function waitForEveryPoint(who: Tenant, ledger: AckLedger, plan: LoadPlan): Promise<LedgerCheck> {
  let last: LedgerCheck | undefined;
  return pollUntil(
    async () => {
      last = checkAgainstLedger(ledger.allSeries(), await readBack(who, plan));
      return last.ok ? last : undefined;
    },
    { what: 'the reader to return every acknowledged point', timeoutMs: 180_000, intervalMs: 2_000, describe: () => (last ? describeCheck(last) : 'no read yet') },
  );
}

/**
 * The load's client retries the way an application would: a call that fails UNAVAILABLE or
 * runs out of time makes it open a new channel for the next one. With both ingest pods
 * deleted the Service has no Ready endpoint for about 10 s; kube-proxy then sends new
 * connections to the terminating pods, and a connection attempt made just before such a pod
 * exits keeps retrying its SYN towards an address that no longer exists (its conntrack entry
 * still points there), so the channel stays "waiting for LB pick" for minutes. A new channel
 * connects from a new port, through the current rules.
 */
class ReopeningIngestClient {
  private client: IngestServiceClient;

  constructor(private readonly address: string) {
    this.client = createIngestClient(address);
  }

  write(request: WriteRequest, metadata: Metadata, options: CallOptions, callback: (error: ServiceError | null, response?: WriteResponse) => void): void {
    this.client.write(request, metadata, options, (error, response) => {
      if (error?.code === status.UNAVAILABLE || error?.code === status.DEADLINE_EXCEEDED) {
        this.client.close();
        this.client = createIngestClient(this.address);
      }
      callback(error, response);
    });
  }

  close(): void {
    this.client.close();
  }
}

async function startLoad({ apiKey, tenant }: Tenant, plan: LoadPlan, ledger: AckLedger): Promise<{ load: LoadGenerator; client: ReopeningIngestClient }> {
  const client = new ReopeningIngestClient(await release.serviceAddress('ingest', 7001));
  const load = new LoadGenerator({ client: client as unknown as IngestServiceClient, tenant, apiKey, plan, ledger, tickIntervalMs: 100, callTimeoutMs: 10_000 });
  load.start();
  return { load, client };
}

/**
 * Liveness failures, which restart a container. A startup probe fails until the new pod
 * serves, and a readiness probe fails while a pod drains (NOT_SERVING, on purpose): both
 * are how a rollout works, and are only counted.
 */
const livenessFailures = (events: readonly ProbeEvent[]) => events.filter((e) => e.message.startsWith('Liveness probe failed'));

async function waitUntilNoPodIsTerminating(): Promise<void> {
  await pollUntil(async () => ((await release.pods()).some((p) => p.deleting) ? undefined : true), {
    what: 'the replaced pods to finish draining and exit',
    timeoutMs: 120_000,
    intervalMs: 1_000,
  });
}

describe('Strata installed by Helm on a one-node cluster', () => {
  it('upgrades under a steady write load without a failed write, a failed e2e probe, a restart or a lost point', async () => {
    const who = tenants[0]!;
    const ledger = new AckLedger();
    const plan = recentPastPlan({ seriesCount: 40, maxTicks: 6_000 });
    const before = await release.pods();
    const proberBefore = await proberSummary();
    const began = Date.now();
    const { load, client } = await startLoad(who, plan, ledger);
    try {
      await load.waitForSuccesses(20);
      // A changed setting that rolls ingest, reader and writer: their pod templates change.
      await release.upgrade(['ingest.logLevel=warn', 'reader.logLevel=warn', 'writer.logLevel=warn']);
      log(`helm upgrade done in ${Date.now() - began} ms (load at tick ${load.stats().ticks})`);
      // The old pods drain (preStop, then graceful stop) while the load goes on.
      await waitUntilNoPodIsTerminating();
      log(`old pods gone ${Date.now() - began} ms after the upgrade began`);
      await load.waitForSuccesses(20);
    } finally {
      log(`load: ${JSON.stringify(await load.stop())}`);
      client.close();
    }
    expect(load.stats().failed).toEqual({});

    const after = await release.pods();
    for (const component of ['ingest', 'reader', 'writer']) {
      const old = new Set(before.filter((p) => p.component === component).map((p) => p.name));
      const now = after.filter((p) => p.component === component);
      expect(now.length).toBeGreaterThan(0);
      expect(now.filter((p) => old.has(p.name))).toEqual([]);
    }
    expect(after.filter((p) => !p.ready || p.restarts > 0)).toEqual([]);
    const probeEvents = await release.probeFailures(began);
    log(`kubelet probe failures during the rollout: ${probeEvents.length} (startup probes of new pods, readiness of draining ones)`);
    expect(livenessFailures(probeEvents)).toEqual([]);
    // The prober ran through the whole upgrade (its pod did not change) and never failed.
    const proberAfter = await proberSummary();
    log(`prober: ${proberAfter.ok - proberBefore.ok} probes ok during the upgrade, ${proberAfter.failed - proberBefore.failed} failed`);
    expect(proberAfter.failed).toBe(proberBefore.failed);
    expect(proberAfter.ok).toBeGreaterThan(proberBefore.ok);

    const check = await waitForEveryPoint(who, ledger, plan);
    log(`${check.checked} acknowledged points read back through the reader ${Date.now() - began} ms after the upgrade began`);
  });

  it("loses no acknowledged point when the writer's and ingest's pods are deleted under load", async () => {
    const who = tenants[1]!;
    const ledger = new AckLedger();
    const plan = recentPastPlan({ seriesCount: 40, maxTicks: 6_000 });
    const began = Date.now();
    const { load, client } = await startLoad(who, plan, ledger);
    try {
      await load.waitForSuccesses(20);
      const writers = await release.deletePods('writer');
      const ingests = await release.deletePods('ingest');
      log(`deleted ${[...writers, ...ingests].join(', ')} at tick ${load.stats().ticks}`);
      await release.rolloutStatus('writer');
      await release.rolloutStatus('ingest');
      await waitUntilNoPodIsTerminating();
      expect((await release.pods()).filter((p) => !p.ready)).toEqual([]);
      log(`replacements Ready ${Date.now() - began} ms after the deletion`);
      await load.waitForSuccesses(20);
    } finally {
      log(`load: ${JSON.stringify(await load.stop())}`);
      client.close();
    }
    // In-flight calls may fail (their points are then unconfirmed, not acknowledged).
    expect(load.stats().succeeded).toBeGreaterThan(40);
    const check = await waitForEveryPoint(who, ledger, plan);
    log(`${check.checked} acknowledged points read back through the reader ${Date.now() - began} ms after the deletion`);
  });
});
