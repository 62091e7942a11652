import { StrataError, type StrataErrorOptions } from '@strata/runtime';

/**
 * Base of the stack's errors, a branch of Strata's one error tree; the CLI prints `message`
 * and exits non-zero. None is retriable: each needs a person to act (free a port, install
 * a tool, read a log).
 */
export class StackError extends StrataError {
  constructor(message: string, options: Pick<StrataErrorOptions, 'context'> = {}) {
    super(message, options);
  }
}

/** An environment variable holds a value the stack cannot use. */
export class StackConfigError extends StackError {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`, { context: { variable } });
  }
}

export interface PortHolder {
  pid?: number;
  command?: string;
}

/** A port a service needs is held by a process that is not ours. */
export class PortInUseError extends StackError {
  constructor(
    readonly service: string,
    readonly port: number,
    readonly holder: PortHolder,
  ) {
    const who =
      holder.pid !== undefined
        ? `pid ${holder.pid}${holder.command ? ` (${holder.command})` : ''}`
        : 'a process this user cannot see';
    super(
      `${service}: port ${port} is already in use by ${who}, which this stack did not start; ` +
        `stop it or choose another port (see STRATA_STACK_*_PORT)`,
      { context: { service, port, pid: holder.pid, command: holder.command } },
    );
  }
}

/** A command run during install or preparation exited non-zero. */
export class CommandFailedError extends StackError {
  constructor(
    readonly commandLine: string,
    readonly exitCode: number | null,
    readonly outputTail: string,
    readonly logFile?: string,
  ) {
    super(
      `\`${commandLine}\` failed (exit ${exitCode ?? 'signal'})` +
        (logFile ? `; full output in ${logFile}` : '') +
        (outputTail ? `\n${outputTail}` : ''),
      { context: { commandLine, exitCode: exitCode ?? 'signal', logFile } },
    );
  }
}

/** A service did not become ready, or exited while starting. */
export class ServiceStartError extends StackError {
  constructor(
    readonly service: string,
    reason: string,
    readonly logFile: string,
    logTail = '',
  ) {
    super(`${service}: ${reason}; see ${logFile}` + (logTail ? `\n--- last lines of ${logFile} ---\n${logTail}` : ''), { context: { service, logFile } });
  }
}

/** Several services failed; each error is kept. */
export class StackErrors extends StackError {
  constructor(readonly errors: readonly Error[]) {
    super(errors.map((e) => e.message).join('\n'), { context: { failures: errors.length } });
  }
}
