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
