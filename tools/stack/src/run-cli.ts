/**
 * Runs a command-line entry point: exits with the code `main` returns, or prints the
 * error's message (no stack trace: the stack's errors name what was wrong) and exits 1.
 */
export function runCli(main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
