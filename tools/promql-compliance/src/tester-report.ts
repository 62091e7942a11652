// Reads the compliance tester's text output (its output/text.go): one block per failing
// query between lines of dashes, then a line `Total: <passed> / <total> (<pct>%) passed,
// <n> unsupported`.

export interface Failure {
  readonly query: string;
  /** FAILED (different results, an error, or success where failure was expected) or UNSUPPORTED. */
  readonly kind: 'different' | 'error' | 'unexpected-success' | 'unsupported';
  /** One line: the error message, or which side had what in the first differing lines. */
  readonly reason: string;
}

export interface TesterReport {
  readonly passed: number;
  readonly total: number;
  readonly percent: number;
  readonly unsupported: number;
  readonly failures: readonly Failure[];
}

const SEPARATOR = '-'.repeat(80);
const MAX_REASON = 200;

const clip = (text: string) => (text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text);

/** The report of a finished run, or undefined if the output has no `Total:` line (the tester died). */
export function parseTesterOutput(output: string): TesterReport | undefined {
  const total = /^Total: (\d+) \/ (\d+) \(([\d.]+)%\) passed, (\d+) unsupported$/m.exec(output);
  if (!total) return undefined;
  const body = output.slice(0, output.lastIndexOf('='.repeat(80), total.index));
  const failures = body
    .split(`${SEPARATOR}\n`)
    .map((block) => block.split('\n'))
    .filter((lines) => lines[0].startsWith('QUERY: '))
    .map(describeBlock);
  return { passed: Number(total[1]), total: Number(total[2]), percent: Number(total[3]), unsupported: Number(total[4]), failures };
}

function describeBlock(lines: readonly string[]): Failure {
  const query = lines[0].slice('QUERY: '.length);
  const result = lines.find((line) => line.startsWith('RESULT: ')) ?? '';
  const after = lines.slice(lines.indexOf(result) + 1);
  if (result.startsWith('RESULT: UNSUPPORTED')) {
    return { query, kind: 'unsupported', reason: clip(after[0]?.replace(/^Query is unsupported: /, '') ?? '') };
  }
  const failedUnexpectedly = /Query failed unexpectedly: (.*)$/.exec(result);
  if (failedUnexpectedly) return { query, kind: 'error', reason: clip(failedUnexpectedly[1]) };
  if (result.includes('Query succeeded, but should have failed.')) return { query, kind: 'unexpected-success', reason: 'Strata answered a query Prometheus refuses' };
  return { query, kind: 'different', reason: clip(describeDiff(after)) };
}

/**
 * go-cmp's diff marks the reference's lines with `-` and the test target's with `+`; the
 * reason counts them and quotes the first of each side.
 */
export function describeDiff(lines: readonly string[]): string {
  const marked = (sign: string) => lines.filter((line) => new RegExp(`^\\s*\\${sign}\\s`).test(line)).map((line) => line.trim().slice(1).trim());
  const prometheus = marked('-');
  const strata = marked('+');
  const parts = [`${prometheus.length} line(s) only in Prometheus, ${strata.length} only in Strata`];
  if (prometheus[0]) parts.push(`Prometheus: ${prometheus[0]}`);
  if (strata[0]) parts.push(`Strata: ${strata[0]}`);
  return parts.join('; ');
}

/** A summary for people: the score, then each failing query with its reason. */
export function formatReport(report: TesterReport, notes: readonly string[] = []): string {
  const lines = [`PromQL compliance: ${report.passed} / ${report.total} queries passed (${report.percent.toFixed(2)}%), ${report.unsupported} unsupported`];
  for (const note of notes) lines.push(`Note: ${note}`);
  if (report.failures.length > 0) lines.push('', `Failing queries (${report.failures.length}):`);
  for (const failure of report.failures) lines.push(`- [${failure.kind}] ${failure.query}`, `    ${failure.reason}`);
  return `${lines.join('\n')}\n`;
}
