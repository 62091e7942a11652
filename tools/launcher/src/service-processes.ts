import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { waitServing } from '@strata/testing';
import { bundlePath, serviceEnv, type ServiceDefinition } from './services';

export interface StartedService {
  readonly name: string;
  readonly pid: number;
  readonly grpc: string;
  readonly ops: string;
  /** The HTTP API base URL, for a service that has one. */
  readonly http?: string;
  readonly log: string;
  /** From spawn to gRPC health SERVING. */
  readonly startupMs: number;
}

export interface ServiceProcessesOptions {
  readonly workspace: string;
  readonly services: readonly ServiceDefinition[];
  readonly env: NodeJS.ProcessEnv;
  readonly logDir: string;
  /** Called once if any service exits without being asked to. */
  readonly onUnexpectedExit?: (name: string, code: number | null, signal: NodeJS.Signals | null) => void;
}

/**
 * Runs the built Strata services as child processes, each logging to its own file, and
 * stops them with SIGTERM (their graceful drain) before SIGKILL.
 */
export class ServiceProcesses {
  private readonly children = new Map<string, ChildProcess>();
  private stopping = false;

  constructor(private readonly options: ServiceProcessesOptions) {
    // The children run in their own process groups (so a terminal's Ctrl-C reaches only the
    // parent); if the parent exits without stopping them, do not leave them behind.
    process.once('exit', () => {
      for (const child of this.children.values()) child.kill('SIGKILL');
    });
  }

  async start(timeoutMs: number): Promise<StartedService[]> {
    const { workspace, services, env, logDir } = this.options;
    mkdirSync(logDir, { recursive: true });
    const began = Date.now();
    const launched = services.map((service) => {
      const log = join(logDir, `${service.name}.log`);
      const fd = openSync(log, 'a');
      // STRATA_NODE_ARGS: extra Node flags for every service, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
      // (flags Node refuses in NODE_OPTIONS).
      const nodeArgs = (env['STRATA_NODE_ARGS'] ?? '').split(/\s+/).filter(Boolean);
      const child = spawn(process.execPath, ['--enable-source-maps', ...nodeArgs, bundlePath(workspace, service)], {
        cwd: workspace,
        env: serviceEnv(service, services, env),
        stdio: ['ignore', fd, fd],
        // Own process group: a terminal's Ctrl-C reaches only the launcher, which then stops
        // the services in order instead of racing them.
        detached: true,
      });
      closeSync(fd);
      this.children.set(service.name, child);
      child.once('exit', (code, signal) => {
        this.children.delete(service.name);
        if (!this.stopping) this.options.onUnexpectedExit?.(service.name, code, signal);
      });
      return { service, child, log };
    });
    return Promise.all(
      launched.map(async ({ service, child, log }) => {
        const grpc = `127.0.0.1:${service.grpcPort}`;
        await waitServing(grpc, timeoutMs).catch((error: Error) => {
          throw new Error(`${service.name} did not become ready: ${error.message}; see ${log}`);
        });
        return {
          name: service.name,
          pid: child.pid ?? -1,
          grpc,
          ops: `http://127.0.0.1:${service.opsPort}`,
          ...(service.httpApiPort !== undefined && { http: `http://127.0.0.1:${service.httpApiPort}` }),
          log,
          startupMs: Date.now() - began,
        };
      }),
    );
  }

  pids(): number[] {
    return [...this.children.values()].map((child) => child.pid ?? -1).filter((pid) => pid > 0);
  }

  /** SIGTERM every service, wait up to `graceMs` for them to drain, then SIGKILL the rest. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    const running = [...this.children.values()];
    const exited = running.map(
      (child) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()))),
    );
    for (const child of running) child.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, graceMs);
    await Promise.all(exited);
    clearTimeout(timer);
  }
}
