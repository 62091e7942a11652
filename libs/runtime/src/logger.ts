import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './service-config';

export type { Logger };

/**
 * JSON logs, one line per event, with the service name on every line. Pass a
 * destination in tests to capture lines; production writes to stdout.
 */
export function createLogger(
  options: { service: string; level: LogLevel },
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
