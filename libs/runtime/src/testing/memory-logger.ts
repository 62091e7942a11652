import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../logger';

/** A logger whose JSON lines are kept in memory, for specs that assert on logs. */
export function memoryLogger(service = 'spec'): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger({ service, level: 'debug' }, sink);
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines };
}
