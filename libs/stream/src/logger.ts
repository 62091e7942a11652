/**
 * The logging surface the stream lib writes to. A pino `Logger` satisfies it, so services
 * pass theirs in; nothing here owns a global logger.
 */
export interface StreamLogger {
  debug(fields: Record<string, unknown>, message?: string): void;
  info(fields: Record<string, unknown>, message?: string): void;
  warn(fields: Record<string, unknown>, message?: string): void;
  error(fields: Record<string, unknown>, message?: string): void;
}
