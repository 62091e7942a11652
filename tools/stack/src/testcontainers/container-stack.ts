import * as fs from 'node:fs';
import * as path from 'node:path';
import { GenericContainer, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import { stackClientEnv } from '../client-env';
import { PortInUseError, StackError, StackErrors } from '../errors';
import { silentLogger, type StackLogger } from '../logger';
import { findPortHolder } from '../port-check';
import { waitForReady } from '../readiness';
import { label, openStack, type StackRuntime } from '../stack-runtime';
import type { ServiceName, StackEnv } from '../stack-config';
import { containerSpec, containerStackEnv } from './container-specs';

/** Marks every container of this stack; the value is the checkout, so two never mix. */
export const STACK_LABEL = 'org.strata.stack';

export interface ContainerStackOptions {
  /** STRATA_STACK_* settings (ports default to CONTAINER_STACK_PORTS); pass `process.env`. */
  env: StackEnv;
  /** @default silent */
  logger?: StackLogger;
  /** @default the nearest directory above this file holding nx.json */
  repoRoot?: string;
  /** Image tag of tools/cluster/images.sh. @default local */
  imageTag?: string;
}

export interface StartedService {
  name: ServiceName;
  containerId: string;
  endpoint: string;
  readyMs: number;
  provisioned: string[];
}

export interface ContainerStackResult {
  services: StartedService[];
  /** What `stack env` prints for the local stack, pointing at these containers. */
  clientEnv: Record<string, string>;
}

function runtime(options: ContainerStackOptions): StackRuntime {
  return openStack({
    env: containerStackEnv(options.env),
    logger: options.logger ?? silentLogger,
    ...(options.repoRoot !== undefined && { repoRoot: options.repoRoot }),
  });
}

const stackLabelValue = (rt: StackRuntime) => `testcontainers:${rt.config.cacheDir}`;

/** The local stack's client settings (`stack env`), pointing at this stack's containers. */
export function containerStackClientEnv(options: ContainerStackOptions): Record<string, string> {
  return stackClientEnv({ env: containerStackEnv(options.env), ...(options.repoRoot !== undefined && { repoRoot: options.repoRoot }) });
}

/** Containers of this checkout's stack, running or not, through the container runtime's API. */
export async function listStackContainers(options: ContainerStackOptions): Promise<{ id: string; name: string; state: string }[]> {
  const rt = runtime(options);
  const client = await getContainerRuntimeClient();
  const found = await client.container.dockerode.listContainers({
    all: true,
    filters: { label: [`${STACK_LABEL}=${stackLabelValue(rt)}`] },
  });
  return found.map((c) => ({ id: c.Id, name: (c.Names[0] ?? c.Id).replace(/^\//, ''), state: c.State }));
}

/**
 * Starts Kafka, Redis, DynamoDB Local and the S3 server as containers through the
 * `testcontainers` package, waits until each really serves (the local stack's own probes)
 * and creates the topic, table and bucket (its own provisioning). The containers outlive
 * this call: `stopContainerStack` removes them. Ryuk, testcontainers' reaper, is not
 * used (see docs/testing.md), so nothing else does.
 */
export async function startContainerStack(options: ContainerStackOptions): Promise<ContainerStackResult> {
  const rt = runtime(options);
  const existing = await listStackContainers(options);
  if (existing.length > 0) {
    throw new StackError(`testcontainers stack: already has containers (${existing.map((c) => `${c.name} ${c.state}`).join(', ')}); stop it first`);
  }
  const conflicts: PortInUseError[] = [];
  for (const service of rt.services) {
    for (const port of service.ports) {
      const holder = await findPortHolder(port, rt.config.host);
      if (holder !== null) conflicts.push(new PortInUseError(service.name, port, holder));
    }
  }
  if (conflicts.length === 1) throw conflicts[0];
  if (conflicts.length > 1) throw new StackErrors(conflicts);

  const logsDir = path.join(rt.paths.logs, 'testcontainers');
  fs.mkdirSync(logsDir, { recursive: true });
  const started: StartedTestContainer[] = [];
  const outcomes = await Promise.allSettled(
    rt.services.map(async (service): Promise<StartedService> => {
      const spec = containerSpec(service.name, rt.config, options.imageTag);
      const logFile = path.join(logsDir, `${service.name}.log`);
      let alive = true;
      const container = await new GenericContainer(spec.image)
        .withName(`strata-tc-${service.name}-${service.ports[0]}`)
        .withLabels({ [STACK_LABEL]: stackLabelValue(rt) })
        // Port publishing would listen on every interface; on the host's network each
        // service listens where it is told (127.0.0.1), as the local stack's processes do.
        .withNetworkMode('host')
        .withCommand(spec.command)
        .withEnvironment(spec.environment)
        .withDroppedCapabilities('ALL')
        .withSecurityOpt('no-new-privileges')
        .withLogConsumer((stream) => {
          stream.pipe(fs.createWriteStream(logFile));
          stream.on('end', () => (alive = false));
        })
        .start();
      started.push(container);
      const readyMs = await waitForReady({
        service: service.name,
        probe: () => service.probe(),
        isAlive: () => alive,
        logFile,
        timeoutMs: rt.config.readyTimeoutMs,
      });
      const provisioned = await service.provision();
      rt.logger.info(`${label(service.name)} container ${container.getName().replace(/^\//, '')} ready in ${readyMs} ms at ${service.endpoint}`);
      return { name: service.name, containerId: container.getId(), endpoint: service.endpoint, readyMs, provisioned };
    }),
  );
  const errors = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as Error] : []));
  if (errors.length > 0) {
    rt.logger.warn(`removing the containers this call started (${started.length})`);
    await Promise.allSettled(started.map((c) => c.stop({ timeout: 5_000, remove: true })));
    throw errors.length === 1 ? errors[0] : new StackErrors(errors);
  }
  const services = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  return { services, clientEnv: containerStackClientEnv(options) };
}

/** Stops and removes every container of this checkout's stack; returns their names. */
export async function stopContainerStack(options: ContainerStackOptions & { stopTimeoutMs?: number }): Promise<string[]> {
  const client = await getContainerRuntimeClient();
  const containers = await listStackContainers(options);
  await Promise.all(
    containers.map(async ({ id }) => {
      const container = client.container.getById(id);
      await client.container.stop(container, { timeout: options.stopTimeoutMs ?? 15_000 });
      await client.container.remove(container, { removeVolumes: true });
    }),
  );
  return containers.map((c) => c.name);
}
