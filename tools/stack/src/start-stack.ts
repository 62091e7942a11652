import * as path from 'node:path';
import { PortInUseError, StackErrors } from './errors';
import { installServices } from './install';
import { inspectPidRecord, launchedDifferently, readPidRecord, removePidRecord, writePidRecord } from './pidfile';
import { findPortHolder } from './port-check';
import { spawnDetached, stopProcessGroup } from './process-supervisor';
import { waitForReady } from './readiness';
import { withStackLock } from './stack-lock';
import type { StackService } from './services';
import type { ServiceName } from './stack-config';
import { label, openStack, type StackOptions, type StackRuntime } from './stack-runtime';

export interface ServiceReport {
  name: ServiceName;
  endpoint: string;
  pid: number;
  /** `started` by this call, or found `already-running` (ours, ready) and reused. */
  state: 'started' | 'already-running';
  /** From launch to ready; for a reused service, how long the readiness check took. */
  readyMs: number;
  /** What provisioning ensured: topics, tables, buckets. */
  provisioned: string[];
}

export interface StartStackResult {
  services: ServiceReport[];
  /** Services this call launched: the ones its caller should stop. */
  started: ServiceName[];
  endpoints: Partial<Record<ServiceName, string>>;
  /** STRATA_* variables pointing clients at the running services. */
  clientEnv: Record<string, string>;
  installed: string[];
  installMs: number;
}

/**
 * Installs what is missing, starts every requested service that is not already running
 * (in parallel), waits until each really serves, and provisions the topic, table and
 * bucket. Never adopts a process it did not start: a foreign process on a needed port
 * fails the call before anything is launched. If anything fails, the services this call
 * launched are stopped again before the error is thrown.
 */
export async function startStack(options: StackOptions): Promise<StartStackResult> {
  const rt = openStack(options);
  return withStackLock({ lockFile: rt.lockFile, table: rt.table, logger: rt.logger }, () => start(rt));
}

async function start(rt: StackRuntime): Promise<StartStackResult> {
  const { logger } = rt;
  const toStart: StackService[] = [];
  const toReuse: { service: StackService; pid: number }[] = [];
  for (const service of rt.services) {
    const files = rt.files(service.name);
    const state = inspectPidRecord(readPidRecord(files), rt.table);
    if (state.kind === 'ours') {
      toReuse.push({ service, pid: state.pid });
      continue;
    }
    if (state.kind === 'stale-dead') {
      logger.warn(`${label(service.name)} stale pidfile: pid ${state.pid} is not running; removed ${files.pidFile}`);
      removePidRecord(files);
    } else if (state.kind === 'stale-foreign') {
      logger.warn(
        `${label(service.name)} stale pidfile: pid ${state.pid} is now another process (${state.cmdline.join(' ').slice(0, 120)}); ` +
          `left it alone, removed ${files.pidFile}`,
      );
      removePidRecord(files);
    }
    toStart.push(service);
  }

  const conflicts: PortInUseError[] = [];
  await Promise.all(
    toStart.flatMap((service) =>
      service.ports.map(async (port) => {
        const holder = await findPortHolder(port, rt.config.host);
        if (holder !== null) conflicts.push(new PortInUseError(service.name, port, holder));
      }),
    ),
  );
  if (conflicts.length === 1) throw conflicts[0];
  if (conflicts.length > 1) throw new StackErrors(conflicts);

  const install = await installServices(toStart, { paths: rt.paths, env: rt.env, logger });
  if (install.installed.length === 0) logger.info('install: nothing to install');
  else logger.info(`install: done in ${(install.durationMs / 1000).toFixed(1)} s`);

  const started: { name: ServiceName; pid: number }[] = [];
  const outcomes = await Promise.allSettled([
    ...toReuse.map(({ service, pid }) => reuse(rt, service, pid)),
    ...toStart.map((service) => launch(rt, service, (pid) => started.push({ name: service.name, pid }))),
  ]);
  const errors = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as Error] : []));
  if (errors.length > 0) {
    if (started.length > 0) {
      logger.warn(`stopping what this call started: ${started.map((s) => s.name).join(', ')}`);
      await Promise.all(
        started.map(async ({ name, pid }) => {
          await stopProcessGroup(pid, { graceMs: rt.config.stopTimeoutMs, table: rt.table });
          removePidRecord(rt.files(name));
        }),
      );
    }
    throw errors.length === 1 ? errors[0] : new StackErrors(errors);
  }
  const reports = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const order = rt.services.map((s) => s.name);
  reports.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  return {
    services: reports,
    started: reports.filter((r) => r.state === 'started').map((r) => r.name),
    endpoints: Object.fromEntries(rt.services.map((s) => [s.name, s.endpoint])),
    clientEnv: Object.assign({}, ...rt.services.map((s) => s.clientEnv)) as Record<string, string>,
    installed: install.installed,
    installMs: install.durationMs,
  };
}

async function launch(rt: StackRuntime, service: StackService, onSpawned: (pid: number) => void): Promise<ServiceReport> {
  await service.prepare();
  const spec = service.launchSpec();
  const pid = await spawnDetached(spec);
  writePidRecord(rt.files(service.name), { pid, argv: [spec.command, ...spec.args] });
  onSpawned(pid);
  rt.logger.info(`${label(service.name)} launched pid ${pid}, waiting until ready (log: ${spec.logFile})`);
  const readyMs = await waitForReady({
    service: service.name,
    probe: () => service.probe(),
    isAlive: () => rt.table.isAlive(pid),
    logFile: spec.logFile,
    timeoutMs: rt.config.readyTimeoutMs,
  });
  const provisioned = await service.provision();
  rt.logger.info(`${label(service.name)} ready in ${readyMs} ms at ${service.endpoint}${suffix(provisioned)}`);
  return { name: service.name, endpoint: service.endpoint, pid, state: 'started', readyMs, provisioned };
}

async function reuse(rt: StackRuntime, service: StackService, pid: number): Promise<ServiceReport> {
  warnIfLaunchedDifferently(rt, service);
  const readyMs = await waitForReady({
    service: service.name,
    probe: () => service.probe(),
    isAlive: () => rt.table.isAlive(pid),
    logFile: path.join(rt.paths.logs, `${service.name}.log`),
    timeoutMs: rt.config.readyTimeoutMs,
  });
  const provisioned = await service.provision();
  rt.logger.info(`${label(service.name)} already running (pid ${pid}), ready at ${service.endpoint}${suffix(provisioned)}`);
  return { name: service.name, endpoint: service.endpoint, pid, state: 'already-running', readyMs, provisioned };
}

function warnIfLaunchedDifferently(rt: StackRuntime, service: StackService): void {
  let argv: string[];
  try {
    const spec = service.launchSpec();
    argv = [spec.command, ...spec.args];
  } catch {
    return; // cannot tell (e.g. the program is no longer on PATH); the running one is reused as is
  }
  const record = readPidRecord(rt.files(service.name));
  if (!launchedDifferently(record, argv)) return;
  rt.logger.warn(
    `${label(service.name)} was started with another command than this checkout's (${record!.argv.join(' ').slice(0, 120)}); ` +
      `it keeps running as it was: \`stack down ${service.name} && stack up ${service.name}\` switches it`,
  );
}

const suffix = (lines: readonly string[]) => (lines.length > 0 ? ` · ${lines.join(' · ')}` : '');
