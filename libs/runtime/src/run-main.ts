import { ConfigError } from './errors';

/**
 * Runs a process entry point. A configuration error is printed as the list of bad
 * variables (exit 2, so orchestration can tell it from a crash); anything else that
 * escapes start-up is printed with its stack (exit 1).
 */
export function runMain(main: () => Promise<unknown>): void {
  main().catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
