/**
 * Globs on series names (ListSeries `match`): `*` matches any run of characters,
 * including none and including dots; `?` matches exactly one character; every other
 * character matches itself. So `host.*.cpu` matches `host.a.cpu` and `host.a.b.cpu`
 * (unlike Graphite, where `*` stops at a dot). An empty pattern matches every name.
 */

/** What a glob may contain: the name alphabet plus the two wildcards. */
const GLOB_ALPHABET = /^[a-zA-Z0-9._\-*?]*$/;
export const MAX_GLOB_LENGTH = 512;

/** Why `pattern` is not a valid name glob, or undefined when it is. */
export function nameGlobProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_GLOB_LENGTH) {
    return `match pattern is ${pattern.length} characters; the limit is ${MAX_GLOB_LENGTH}`;
  }
  if (!GLOB_ALPHABET.test(pattern)) {
    const bad = [...pattern].find((c) => !GLOB_ALPHABET.test(c));
    return (
      `match pattern ${JSON.stringify(pattern.slice(0, 100))} contains ${JSON.stringify(bad)}; ` +
      'patterns may hold only name characters [a-zA-Z0-9._-] and the wildcards * and ?'
    );
  }
  return undefined;
}

/**
 * A predicate for names matching `pattern`. Throws RangeError when the pattern is
 * invalid (see {@link nameGlobProblem}). Matching is the classic greedy wildcard walk
 * that only ever backtracks to the last `*`: O(pattern × name) at worst, where a regular
 * expression of several `.*` can backtrack exponentially.
 */
export function compileNameGlob(pattern: string): (name: string) => boolean {
  const problem = nameGlobProblem(pattern);
  if (problem !== undefined) throw new RangeError(problem);
  if (pattern === '' || /^\*+$/.test(pattern)) return () => true;
  return (name) => globMatches(pattern, name);
}

function globMatches(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1; // position in pattern just after the last `*` seen
  let resume = 0; // position in name where that `*` currently stops
  while (n < name.length) {
    if (p < pattern.length && (pattern[p] === '?' || (pattern[p] !== '*' && pattern[p] === name[n]))) {
      p++;
      n++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = ++p;
      resume = n;
    } else if (star >= 0) {
      p = star;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
