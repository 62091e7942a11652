import type { Logger } from './logger';

/** Anything with a lifecycle: servers, consumers, flushers, schedulers. */
export interface Lifecycle {
  readonly name: string;
  start(): Promise<void>;
  /** Stop taking work, finish or hand back what is in flight, release resources. */
  stop(): Promise<void>;
}

export interface ServiceRunnerOptions {
  readonly logger: Logger;
  /** Called first on shutdown, before any component stops (e.g. flip health, readyz). */
  readonly onDrainStart?: () => void;
  /** Upper bound for the whole stop sequence; past it the process exits non-zero. */
  readonly shutdownTimeoutMs: number;
  /** Injected for tests. @default process.exit */
  readonly exit?: (code: number) => void;
  /** Injected for tests. @default process */
  readonly signals?: Pick<NodeJS.Process, 'once' | 'off'>;
}

/**
 * Starts components in order and stops them in reverse on SIGTERM/SIGINT, so what was
 * started last (the servers taking requests) stops first and what it depends on
 * (clients, consumers) drains after.
 */
export class ServiceRunner {
  private readonly started: Lifecycle[] = [];
  private stopping: Promise<void> | undefined;
  private readonly onSignal = (signal: NodeJS.Signals) => {
    void this.shutdown(`received ${signal}`);
  };

  constructor(
    private readonly components: readonly Lifecycle[],
    private readonly options: ServiceRunnerOptions,
  ) {}

  async start(): Promise<void> {
    const signals = this.options.signals ?? process;
    signals.once('SIGTERM', this.onSignal);
    signals.once('SIGINT', this.onSignal);
    for (const component of this.components) {
      const began = Date.now();
      try {
        await component.start();
      } catch (error) {
        this.options.logger.fatal({ err: error, component: component.name }, 'start-up failed');
        await this.shutdown(`${component.name} failed to start`, 1);
        return;
      }
      this.started.push(component);
      this.options.logger.info({ component: component.name, ms: Date.now() - began }, 'started');
    }
  }

  /** Idempotent: a second signal while stopping waits for the first stop. */
  shutdown(reason: string, exitCode = 0): Promise<void> {
    if (!this.stopping) this.stopping = this.stopAll(reason, exitCode);
    return this.stopping;
  }

  private async stopAll(reason: string, exitCode: number): Promise<void> {
    const { logger } = this.options;
    const exit = this.options.exit ?? ((code: number) => process.exit(code));
    const signals = this.options.signals ?? process;
    signals.off('SIGTERM', this.onSignal);
    signals.off('SIGINT', this.onSignal);
    logger.info({ reason }, 'shutting down');
    this.options.onDrainStart?.();
    let code = exitCode;
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: this.options.shutdownTimeoutMs }, 'shutdown took too long; exiting');
      exit(1);
    }, this.options.shutdownTimeoutMs);
    deadline.unref();
    for (const component of [...this.started].reverse()) {
      try {
        await component.stop();
        logger.info({ component: component.name }, 'stopped');
      } catch (error) {
        code = 1;
        logger.error({ err: error, component: component.name }, 'stop failed');
      }
    }
    clearTimeout(deadline);
    logger.info({ code }, 'shutdown complete');
    exit(code);
  }
}
