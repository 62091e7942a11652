import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface HelmReleaseOptions {
  readonly helm: string;
  readonly kubectl: string;
  readonly release: string;
  readonly namespace: string;
  readonly chart: string;
  /** Values files of the installed release, passed again on upgrade. */
  readonly values: readonly string[];
}

export interface PodView {
  readonly name: string;
  readonly component: string;
  readonly ready: boolean;
  readonly restarts: number;
  readonly deleting: boolean;
}

export interface ProbeEvent {
  readonly pod: string;
  readonly message: string;
  readonly at: number;
}

/**
 * A Helm release of Strata on a live cluster, driven with the real helm and kubectl: what
 * the cluster specs need to upgrade it, disturb its pods and watch what the kubelet saw.
 * Reads the environment npm run test:cluster sets (fromEnv).
 */
export class HelmRelease {
  constructor(private readonly o: HelmReleaseOptions) {}

  static fromEnv(env: NodeJS.ProcessEnv): HelmRelease {
    const need = (name: string) => {
      const value = env[name];
      if (!value) throw new Error(`${name} is not set: run the cluster specs through npm run test:cluster`);
      return value;
    };
    return new HelmRelease({
      helm: need('STRATA_CLUSTER_HELM'),
      kubectl: need('STRATA_CLUSTER_KUBECTL'),
      release: need('STRATA_CLUSTER_RELEASE'),
      namespace: need('STRATA_CLUSTER_NAMESPACE'),
      chart: need('STRATA_CLUSTER_CHART'),
      values: need('STRATA_CLUSTER_VALUES').split(','),
    });
  }

  async kubectl(...args: string[]): Promise<string> {
    return (await run(this.o.kubectl, ['-n', this.o.namespace, ...args], { maxBuffer: 64 << 20 })).stdout;
  }

  /** helm upgrade with the install's values plus `sets`, waiting until every pod is Ready. */
  async upgrade(sets: readonly string[], timeout = '6m'): Promise<void> {
    const values = this.o.values.flatMap((v) => ['-f', v]);
    await run(this.o.helm, ['upgrade', this.o.release, this.o.chart, '-n', this.o.namespace, ...values, ...sets.flatMap((s) => ['--set', s]), '--wait', '--timeout', timeout]);
  }

  /** `host:port` of a component's ClusterIP Service. */
  async serviceAddress(component: string, port: number): Promise<string> {
    const ip = await this.kubectl('get', 'service', `${this.o.release}-${component}`, '-o', 'jsonpath={.spec.clusterIP}');
    return `${ip}:${port}`;
  }

  async pods(component?: string): Promise<PodView[]> {
    const selector = `app.kubernetes.io/instance=${this.o.release}${component ? `,app.kubernetes.io/component=${component}` : ''}`;
    const list = JSON.parse(await this.kubectl('get', 'pods', '-l', selector, '-o', 'json')) as { items: KubePod[] };
    return list.items.map((p) => ({
      name: p.metadata.name,
      component: p.metadata.labels['app.kubernetes.io/component'] ?? '',
      ready: (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
      restarts: (p.status.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0),
      deleting: p.metadata.deletionTimestamp !== undefined,
    }));
  }

  /** Deletes a component's pods gracefully (as a node drain or `kubectl delete` would), without waiting. */
  async deletePods(component: string): Promise<string[]> {
    const names = (await this.pods(component)).map((p) => p.name);
    await this.kubectl('delete', 'pod', ...names, '--wait=false');
    return names;
  }

  /** Waits until a Deployment has all its replicas updated and Ready. */
  async rolloutStatus(component: string, timeout = '5m'): Promise<void> {
    await this.kubectl('rollout', 'status', `deployment/${this.o.release}-${component}`, `--timeout=${timeout}`);
  }

  /** The kubelet's probe failures (events with reason Unhealthy) since `sinceMs`. */
  async probeFailures(sinceMs: number): Promise<ProbeEvent[]> {
    const list = JSON.parse(await this.kubectl('get', 'events', '--field-selector', 'reason=Unhealthy', '-o', 'json')) as { items: KubeEvent[] };
    return list.items
      .map((e) => ({ pod: e.involvedObject.name, message: e.message, at: Date.parse(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp) }))
      .filter((e) => e.at >= sinceMs - 1_000);
  }
}

interface KubePod {
  metadata: { name: string; labels: Record<string, string>; deletionTimestamp?: string };
  status: { conditions?: Array<{ type: string; status: string }>; containerStatuses?: Array<{ restartCount: number }> };
}

interface KubeEvent {
  metadata: { creationTimestamp: string };
  involvedObject: { name: string };
  message: string;
  lastTimestamp?: string;
  eventTime?: string;
}
