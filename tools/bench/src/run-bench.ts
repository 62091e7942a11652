/* eslint-disable no-console -- a benchmark's failure is printed for whoever ran it */
/**
 * Runs a benchmark's main and exits with its outcome. A benchmark stopped from outside
 * (Ctrl-C, a timeout) still exits through 'exit', where the harness it used (ServiceProcesses,
 * StrataSystem) kills the processes it started.
 */
export function runBench(main: () => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
