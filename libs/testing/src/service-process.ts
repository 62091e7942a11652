import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitServing } from './grpc-health';
import { pollUntil } from './poll';
import { parseServiceLog, type LogRecord } from './service-log';

export interface ServiceProcessOptions {
  /** Names this instance in logs and errors, e.g. `writer-b`. */
  readonly name: string;
  /** The app whose bundle runs: `dist/apps/<app>/main.js` under `workspace`. */
  readonly app: string;
  /** Extra command-line arguments, e.g. `--replay-from <time>`. */
  readonly args?: readonly string[];
  /** The environment of the process; STRATA_GRPC_PORT and STRATA_OPS_PORT are set from the ports. */
  readonly env: NodeJS.ProcessEnv;
  readonly grpcPort: number;
  readonly opsPort: number;
  /**
   * The HTTP API port of a service that has one (ingest, reader). @default 0: any free
   * port, so that a test that does not use it never collides with `npm start`'s.
   */
  readonly httpApiPort?: number;
  readonly workspace: string;
  /** stdout and stderr are appended here (a restart under the same name keeps the earlier lines). */
  readonly logFile: string;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * Extra node flags for every service a test or bench starts, from STRATA_NODE_ARGS in the
 * environment of the test or bench, as the launcher reads it for `npm start`: e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` (node refuses --cpu-prof in NODE_OPTIONS). A
 * profile is written when the service exits by itself, as it does on SIGTERM. Read here
 * rather than from the service's environment, which the harness builds without STRATA_*.
 */
function nodeFlags(): string[] {
  return (process.env['STRATA_NODE_ARGS'] ?? '').split(/\s+/).filter(Boolean);
}

/** A built Strata service (`node dist/apps/<app>/main.js`) run as a child process. */
export class ServiceProcess {
  /** Settles when the process has exited, however. */
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;

  private constructor(
    readonly options: ServiceProcessOptions,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  static spawn(options: ServiceProcessOptions): ServiceProcess {
    const bundle = path.join(options.workspace, 'dist', 'apps', options.app, 'main.js');
    if (!fs.existsSync(bundle)) throw new Error(`${bundle} is missing: build it first (npx nx build ${options.app})`);
    fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
    const fd = fs.openSync(options.logFile, 'a');
    try {
      const child = spawn(process.execPath, ['--enable-source-maps', ...nodeFlags(), bundle, ...(options.args ?? [])], {
        cwd: options.workspace,
        env: {
          ...options.env,
          STRATA_GRPC_PORT: String(options.grpcPort),
          STRATA_OPS_PORT: String(options.opsPort),
          STRATA_HTTP_API_PORT: String(options.httpApiPort ?? 0),
        },
        stdio: ['ignore', fd, fd],
      });
      return new ServiceProcess(options, child);
    } finally {
      fs.closeSync(fd);
    }
  }

  get name(): string {
    return this.options.name;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  get grpcAddress(): string {
    return `127.0.0.1:${this.options.grpcPort}`;
  }

  get opsUrl(): string {
    return `http://127.0.0.1:${this.options.opsPort}`;
  }

  /** Waits for gRPC health SERVING; fails early, with the log's tail, if the process dies. */
  async waitServing(timeoutMs = 60_000): Promise<void> {
    await waitServing(this.grpcAddress, timeoutMs, { isAlive: () => this.running }).catch((error: Error) => {
      throw new Error(`${this.name} did not become SERVING: ${error.message}; log tail:\n${this.logTail()}`);
    });
  }

  /**
   * Waits until the service takes traffic: its ops port's /readyz answers 200 and then its
   * gRPC health is SERVING (/readyz checks the service's dependencies, and can pass before
   * the gRPC port is bound). Fails early, with the log's tail, if the process dies.
   */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    await pollUntil(
      async () => {
        if (!this.running) throw new Error(`${this.name} exited (${this.exit?.code ?? this.exit?.signal}) before it was ready:\n${this.logTail()}`);
        try {
          const response = await fetch(`${this.opsUrl}/readyz`, { signal: AbortSignal.timeout(1_000) });
          if (response.status === 200) return true;
          last = `${response.status} ${await response.text()}`;
        } catch (error) {
          last = String(error);
        }
        return undefined;
      },
      { what: `${this.name} to be ready`, timeoutMs, intervalMs: 100, describe: () => `last /readyz: ${last}; log tail:\n${this.logTail()}` },
    );
    await this.waitServing(Math.max(0, deadline - Date.now()));
  }

  /** Waits for the process to exit by itself; throws (leaving it running) after `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} still running after ${timeoutMs} ms; log tail:\n${this.logTail()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A crash: SIGKILL, nothing drained, nothing committed. Resolves once it is gone. */
  async kill(): Promise<Exit> {
    if (this.running) this.child.kill('SIGKILL');
    return this.exited;
  }

  /** A graceful stop: SIGTERM (drain, commit, exit), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<Exit> {
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The process' log so far (pino JSON lines). */
  log(): string {
    try {
      return fs.readFileSync(this.options.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** The structured (pino) records of its log so far. */
  records(): LogRecord[] {
    return parseServiceLog(this.log());
  }

  /** Waits until `find` returns something for the log records so far, and returns that. */
  async waitForLog<T>(what: string, find: (records: LogRecord[]) => T | undefined, timeoutMs = 30_000): Promise<T> {
    return pollUntil(async () => find(this.records()), {
      what: `${this.name} to log ${what}`,
      timeoutMs,
      intervalMs: 200,
      describe: () => `log tail:\n${this.logTail(5)}`,
    });
  }

  logTail(lines = 20): string {
    return this.log().trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** The Prometheus text of its ops port's /metrics. */
  async metrics(): Promise<string> {
    const response = await fetch(`${this.opsUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`${this.name} /metrics answered ${response.status}`);
    return response.text();
  }
}
