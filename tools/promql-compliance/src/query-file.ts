// The tester aborts the whole run (log.Fatalf) when the reference answers a query its file
// marks `should_fail: true`. Prometheus 3 answers some that Prometheus 2 refused: with UTF-8
// label names, `label_replace(..., "~invalid", ...)` and `label_join(..., "~invalid", ...)`
// are valid. Such cases are compared like any other query instead (Strata must then answer
// as Prometheus 3 does), in a copy of the query file; the run reports which.
//
// The file is edited line by line rather than through a YAML library: a `should_fail: true`
// line belongs to the nearest `query:` line above it, as in the tester's own file.

export interface ShouldFailCase {
  readonly query: string;
  /** Index of the `should_fail: true` line. */
  readonly line: number;
}

const QUERY_LINE = /^\s*(?:-\s+)?query:\s*(.+?)\s*$/;
const SHOULD_FAIL_LINE = /^(\s*)should_fail:\s*true\s*$/;

/** A YAML flow scalar as the query file writes them: 'single' ('' for '), "double" (JSON escapes) or plain. */
export function yamlScalar(text: string): string {
  if (text.startsWith("'") && text.endsWith("'")) return text.slice(1, -1).replace(/''/g, "'");
  if (text.startsWith('"') && text.endsWith('"')) return JSON.parse(text) as string;
  return text;
}

/** The cases marked `should_fail: true`, templated ones (`{{.range}}`) left out. */
export function shouldFailCases(file: string): ShouldFailCase[] {
  const lines = file.split('\n');
  const cases: ShouldFailCase[] = [];
  let query: string | undefined;
  lines.forEach((line, i) => {
    const q = QUERY_LINE.exec(line);
    if (q) query = yamlScalar(q[1]);
    else if (SHOULD_FAIL_LINE.test(line) && query !== undefined && !query.includes('{{')) cases.push({ query, line: i });
  });
  return cases;
}

/** The file with the given cases compared instead of expected to fail. */
export function compareInstead(file: string, cases: readonly ShouldFailCase[]): string {
  const lines = file.split('\n');
  for (const { line } of cases) {
    const indent = SHOULD_FAIL_LINE.exec(lines[line])?.[1] ?? '';
    lines[line] = `${indent}should_fail: false # the reference (Prometheus 3) answers it: compared instead`;
  }
  return lines.join('\n');
}
