export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface PollOptions {
  /** Names the wait in the timeout error: "timed out waiting for <what>". */
  readonly what: string;
  readonly timeoutMs: number;
  /** @default 250 */
  readonly intervalMs?: number;
  /** What the last probe saw, quoted in the timeout error. */
  readonly describe?: () => string;
}

/**
 * Calls `probe` until it returns something other than undefined, and returns that. A probe
 * that throws ends the wait at once (it means the wait is pointless, e.g. a process died);
 * past the deadline it throws, quoting `describe()`.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what} (${options.describe?.() ?? 'condition not met'})`);
    }
    await sleep(options.intervalMs ?? 250);
  }
}
