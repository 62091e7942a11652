/** Base of the stack's errors; the CLI prints `message` and exits non-zero. */
export class StackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An environment variable holds a value the stack cannot use. */
export class StackConfigError extends StackError {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
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
    super(`${service}: ${reason}; see ${logFile}` + (logTail ? `\n--- last lines of ${logFile} ---\n${logTail}` : ''));
  }
}

/** Several services failed; each error is kept. */
export class StackErrors extends StackError {
  constructor(readonly errors: readonly Error[]) {
    super(errors.map((e) => e.message).join('\n'));
  }
}
