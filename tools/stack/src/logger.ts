/** Where the stack reports progress: human-readable lines. The CLI writes them to the terminal. */
export interface StackLogger {
  info(line: string): void;
  warn(line: string): void;
}

export const silentLogger: StackLogger = { info: () => undefined, warn: () => undefined };
