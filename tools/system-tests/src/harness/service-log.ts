/** One pino JSON line of a service log; other lines (a crash trace) are skipped. */
export type LogRecord = { readonly msg?: string } & Readonly<Record<string, unknown>>;

export function parseServiceLog(text: string): LogRecord[] {
  const records: LogRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      records.push(JSON.parse(line) as LogRecord);
    } catch {
      // a line cut short by SIGKILL
    }
  }
  return records;
}

/** The partitions of a writer's latest assignment, or undefined before its first one. */
export function latestAssignment(records: readonly LogRecord[]): number[] | undefined {
  for (let i = records.length - 1; i >= 0; i--) {
    if (records[i].msg === 'partitions assigned') return (records[i]['partitions'] as number[] | undefined) ?? [];
  }
  return undefined;
}
