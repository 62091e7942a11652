import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';

/** Ports the OS says are free right now (all held at once, so they differ). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

/** One Strata service run from its built bundle, its output in a log file. */
export class ServiceProcess {
  private readonly child: ChildProcess;
  private exitCode: number | null | undefined;
  private readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    bundle: string,
    readonly ports: { grpc: number; ops: number },
    env: NodeJS.ProcessEnv,
    readonly logFile: string,
    args: readonly string[] = [],
  ) {
    const log = createWriteStream(logFile);
    this.child = spawn(process.execPath, [bundle, ...args], {
      env: { ...env, STRATA_GRPC_PORT: String(ports.grpc), STRATA_OPS_PORT: String(ports.ops) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.pipe(log);
    this.child.stderr?.pipe(log);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null);
        resolve();
      }),
    );
  }

  get opsUrl(): string {
    return `http://127.0.0.1:${this.ports.ops}`;
  }

  get grpcAddress(): string {
    return `127.0.0.1:${this.ports.grpc}`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** The exit code once the process has ended. */
  async exit(): Promise<number | null | undefined> {
    await this.exited;
    return this.exitCode;
  }

  /** Polls /readyz until it answers 200; fails early, with the log's tail, if the process dies. */
  async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited (${this.exitCode}) before it was ready:\n${this.logTail()}`);
      try {
        const response = await fetch(`${this.opsUrl}/readyz`, { signal: AbortSignal.timeout(1_000) });
        if (response.status === 200) return;
        last = `${response.status} ${await response.text()}`;
      } catch (error) {
        last = String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.name} was not ready after ${timeoutMs} ms (last /readyz: ${last}):\n${this.logTail()}`);
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** The fault: the process dies at once, as on an OOM kill or a node failure. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  logTail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

/** Starts `name` from dist/apps/<name>/main.js with its output in `logDir/<name>.log`. */
export function startService(options: {
  workspace: string;
  name: string;
  ports: { grpc: number; ops: number };
  env: NodeJS.ProcessEnv;
  logDir: string;
  args?: readonly string[];
  logName?: string;
}): ServiceProcess {
  mkdirSync(options.logDir, { recursive: true });
  return new ServiceProcess(
    options.name,
    join(options.workspace, 'dist', 'apps', options.name, 'main.js'),
    options.ports,
    options.env,
    join(options.logDir, `${options.logName ?? options.name}.log`),
    options.args,
  );
}
