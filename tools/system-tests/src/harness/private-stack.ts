import * as fs from 'node:fs';
import * as path from 'node:path';
import { stackClientEnv, startStack, stopStack, type ServiceName, type StackLogger } from '@strata/stack';
import { freePorts, pollUntil } from '@strata/testing';

export interface PrivateStackOptions {
  /** Directory holding this stack's data, logs and pidfiles (created; removed by stop()). */
  readonly stateDir: string;
  /** @default kafka, redis, dynamodb (the write path needs no S3) */
  readonly services?: readonly ServiceName[];
  /** @default 4 */
  readonly kafkaPartitions?: number;
  /** The environment to inherit (PATH, JAVA_HOME, STRATA_CACHE_DIR for the installed jars). */
  readonly baseEnv: NodeJS.ProcessEnv;
}

const PORT_VARIABLES = [
  'STRATA_STACK_KAFKA_PORT',
  'STRATA_STACK_KAFKA_CONTROLLER_PORT',
  'STRATA_STACK_REDIS_PORT',
  'STRATA_STACK_DYNAMODB_PORT',
  'STRATA_STACK_S3_PORT',
] as const;

/**
 * A second, independent local stack on free ports with its own state directory, run from
 * the jars and binaries the shared stack already installed. Its processes are ours to kill;
 * the shared stack on the default ports is never touched (other ports, other pidfiles).
 */
export class PrivateStack {
  private readonly pids = new Map<ServiceName, number>();

  private constructor(
    private readonly env: NodeJS.ProcessEnv,
    readonly stateDir: string,
    readonly services: readonly ServiceName[],
    /** STRATA_* variables pointing clients at this stack. */
    readonly clientEnv: Readonly<Record<string, string>>,
  ) {}

  static async start(options: PrivateStackOptions): Promise<PrivateStack> {
    const ports = await freePorts(PORT_VARIABLES.length);
    const env: NodeJS.ProcessEnv = {
      ...withoutStackSettings(options.baseEnv),
      STRATA_STACK_STATE_DIR: options.stateDir,
      STRATA_STACK_KAFKA_PARTITIONS: String(options.kafkaPartitions ?? 4),
      STRATA_STACK_STOP_TIMEOUT_MS: '5000',
      ...Object.fromEntries(PORT_VARIABLES.map((name, i) => [name, String(ports[i])])),
    };
    const services = options.services ?? ['kafka', 'redis', 'dynamodb'];
    fs.mkdirSync(options.stateDir, { recursive: true });
    const logger = fileLogger(path.join(options.stateDir, 'stack.log'));
    const result = await startStack({ env, logger, services });
    // Endpoints of the services started, plus the topic, table and bucket the stack provisions.
    const names = stackClientEnv({ env, services });
    const stack = new PrivateStack(env, options.stateDir, services, {
      ...result.clientEnv,
      STRATA_KAFKA_TOPIC: names['STRATA_KAFKA_TOPIC']!,
      STRATA_DYNAMODB_TABLE: names['STRATA_DYNAMODB_TABLE']!,
      ...(services.includes('s3') && { STRATA_S3_BUCKET: names['STRATA_S3_BUCKET']! }),
    });
    for (const report of result.services) stack.pids.set(report.name, report.pid);
    return stack;
  }

  /** SIGKILL a service (a crash: no flush, no goodbye); resolves once it is gone. */
  async kill(service: ServiceName): Promise<void> {
    const pid = this.pids.get(service);
    if (pid === undefined) throw new Error(`${service} is not running in this stack`);
    try {
      process.kill(-pid, 'SIGKILL'); // the service leads its own process group
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
    await pollUntil(async () => (isRunning(pid) ? undefined : true), { what: `${service} pid ${pid} to exit`, timeoutMs: 10_000, intervalMs: 50 });
    this.pids.delete(service);
  }

  /**
   * SIGSTOP a service: its sockets stay open and its data in memory, but it answers
   * nothing (a hung server, not a refused connection) until resume().
   */
  pause(service: ServiceName): void {
    this.signal(service, 'SIGSTOP');
  }

  resume(service: ServiceName): void {
    this.signal(service, 'SIGCONT');
  }

  private signal(service: ServiceName, signal: NodeJS.Signals): void {
    const pid = this.pids.get(service);
    if (pid === undefined) throw new Error(`${service} is not running in this stack`);
    process.kill(-pid, signal); // the service leads its own process group
  }

  /** Starts a killed service again on the same port and data directory; resolves once it serves. */
  async restart(service: ServiceName): Promise<{ readyMs: number }> {
    const result = await startStack({ env: this.env, logger: fileLogger(path.join(this.stateDir, 'stack.log')), services: [service] });
    const report = result.services[0]!;
    this.pids.set(service, report.pid);
    return { readyMs: report.readyMs };
  }

  /**
   * SIGKILL every service at once (a power cut of the stack: nothing flushed, no goodbye);
   * resolves once all are gone. startAgain() brings them back on the same data.
   */
  async killAll(): Promise<void> {
    const pids = [...this.pids.values()];
    this.killNow();
    await pollUntil(async () => (pids.some(isRunning) ? undefined : true), { what: `stack pids ${pids.join(', ')} to exit`, timeoutMs: 10_000, intervalMs: 50 });
    this.pids.clear();
  }

  /**
   * Starts every service again on the same ports and data directories, after
   * stop({ keepStateDir: true }) or killAll(): the restart a user does with `stack up`.
   * Resolves once all serve; returns each service's launch-to-ready time.
   */
  async startAgain(): Promise<Partial<Record<ServiceName, number>>> {
    const result = await startStack({ env: this.env, logger: fileLogger(path.join(this.stateDir, 'stack.log')), services: this.services });
    for (const report of result.services) this.pids.set(report.name, report.pid);
    return Object.fromEntries(result.services.map((r) => [r.name, r.readyMs]));
  }

  /** Synchronous SIGKILL of every service, for an exit hook; prefer stop(). */
  killNow(): void {
    for (const pid of this.pids.values()) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /** Stops every service of this stack (also orphans of its state dir) and deletes the state dir. */
  async stop(options: { keepStateDir?: boolean } = {}): Promise<void> {
    for (const pid of this.pids.values()) {
      try {
        process.kill(-pid, 'SIGCONT'); // a paused service would not act on SIGTERM
      } catch {
        // already gone
      }
    }
    try {
      await stopStack({ env: this.env, logger: fileLogger(path.join(this.stateDir, 'stack.log')) });
    } finally {
      if (!options.keepStateDir) fs.rmSync(this.stateDir, { recursive: true, force: true });
    }
  }

  /** Stops whatever a failed start left behind in `stateDir`, then deletes it. */
  static async cleanUp(stateDir: string, baseEnv: NodeJS.ProcessEnv): Promise<void> {
    try {
      await stopStack({ env: { ...withoutStackSettings(baseEnv), STRATA_STACK_STATE_DIR: stateDir } });
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  }
}

/** The base environment minus any stack settings of the caller's shell, which would point at the shared stack. */
function withoutStackSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('STRATA_STACK_')));
}

function isRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function fileLogger(file: string): StackLogger {
  const write = (line: string) => fs.appendFileSync(file, `${new Date().toISOString()} ${line}\n`);
  return { info: write, warn: (line) => write(`WARN ${line}`) };
}
