/**
 * Globs on series names (ListSeries `match`): `*` matches any run of characters,
 * including none and including dots; `?` matches exactly one character; every other
 * character matches itself. So `host.*.cpu` matches `host.a.cpu` and `host.a.b.cpu`
 * (unlike Graphite, where `*` stops at a dot). An empty pattern matches every name.
 */

/** What a glob may contain: the name alphabet plus the two wildcards. */
const GLOB_ALPHABET = /^[a-zA-Z0-9._:\-*?]*$/;
/** The longest pattern any caller may configure (servers may set a lower limit). */
export const MAX_GLOB_LENGTH = 512;

/** Why `pattern` is not a valid name glob, or undefined when it is. */
export function nameGlobProblem(pattern: string, maxLength = MAX_GLOB_LENGTH): string | undefined {
  if (pattern.length > maxLength) {
    return `match pattern is ${pattern.length} characters; the limit is ${maxLength}`;
  }
  if (!GLOB_ALPHABET.test(pattern)) {
    const bad = [...pattern].find((c) => !GLOB_ALPHABET.test(c));
    return (
      `match pattern ${JSON.stringify(pattern.slice(0, 100))} contains ${JSON.stringify(bad)}; ` +
      'patterns may hold only name characters [a-zA-Z0-9._:-] and the wildcards * and ?'
    );
  }
  return undefined;
}

/**
 * A predicate for names matching `pattern`. Throws RangeError when the pattern is
 * invalid (see {@link nameGlobProblem}).
 *
 * Matching never backtracks, so a hostile pattern costs no more than a plain one: the
 * pattern is split at its stars into segments; the first must start the name, the last
 * must end it, and each one between is taken at its leftmost place after the previous
 * one (leftmost is always safe, a later place only leaves less room for the rest).
 * Literal segments are found with Knuth-Morris-Pratt, so their cost is linear in the
 * name; a segment holding `?` with a bit-parallel Shift-And, ⌈length / 32⌉ word
 * operations per character of the name. The old greedy walk cost pattern × name on
 * `*aaaa…b`, which let one listing hold the event loop for seconds.
 */
export function compileNameGlob(pattern: string, maxLength = MAX_GLOB_LENGTH): (name: string) => boolean {
  const problem = nameGlobProblem(pattern, maxLength);
  if (problem !== undefined) throw new RangeError(problem);
  if (pattern === '' || /^\*+$/.test(pattern)) return () => true;
  const parts = pattern.split('*');
  if (parts.length === 1) return (name) => name.length === pattern.length && matchesAt(pattern, name, 0);
  const head = parts[0];
  const tail = parts[parts.length - 1];
  const middles = parts.slice(1, -1).filter((s) => s !== '').map(segmentFinder);
  const minLength = parts.reduce((n, s) => n + s.length, 0);
  return (name) => {
    if (name.length < minLength) return false;
    const end = name.length - tail.length;
    if (!matchesAt(head, name, 0) || !matchesAt(tail, name, end)) return false;
    let from = head.length;
    for (const find of middles) {
      const at = find(name, from, end);
      if (at < 0) return false;
      from = at;
    }
    return true;
  };
}

/** Whether `segment` (no `*`) matches `name` at `offset`; `?` matches any one character. */
function matchesAt(segment: string, name: string, offset: number): boolean {
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i);
    if (c !== QUESTION && c !== name.charCodeAt(offset + i)) return false;
  }
  return true;
}

const QUESTION = '?'.charCodeAt(0);

/** Finds a segment in `name` within [from, end): the end of its leftmost occurrence, or -1. */
type SegmentFinder = (name: string, from: number, end: number) => number;

function segmentFinder(segment: string): SegmentFinder {
  return segment.includes('?') ? shiftAndFinder(segment) : kmpFinder(segment);
}

function kmpFinder(segment: string): SegmentFinder {
  // failure[i]: length of the longest proper border of segment[0..i].
  const failure = new Int32Array(segment.length);
  for (let i = 1, k = 0; i < segment.length; i++) {
    while (k > 0 && segment.charCodeAt(i) !== segment.charCodeAt(k)) k = failure[k - 1];
    if (segment.charCodeAt(i) === segment.charCodeAt(k)) k++;
    failure[i] = k;
  }
  return (name, from, end) => {
    for (let i = from, k = 0; i < end; i++) {
      const c = name.charCodeAt(i);
      while (k > 0 && c !== segment.charCodeAt(k)) k = failure[k - 1];
      if (c === segment.charCodeAt(k)) k++;
      if (k === segment.length) return i + 1;
    }
    return -1;
  };
}

function shiftAndFinder(segment: string): SegmentFinder {
  const words = Math.ceil(segment.length / 32);
  // masks[c]: bit i set when segment[i] is c or `?`; `other` for characters the segment lacks.
  const other = new Uint32Array(words);
  for (let i = 0; i < segment.length; i++) if (segment.charCodeAt(i) === QUESTION) other[i >>> 5] |= 1 << (i & 31);
  const masks = new Map<number, Uint32Array>();
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i);
    if (c === QUESTION) continue;
    let mask = masks.get(c);
    if (!mask) masks.set(c, (mask = Uint32Array.from(other)));
    mask[i >>> 5] |= 1 << (i & 31);
  }
  const lastWord = (segment.length - 1) >>> 5;
  const lastBit = 1 << ((segment.length - 1) & 31);
  const state = new Uint32Array(words);
  return (name, from, end) => {
    state.fill(0);
    for (let i = from; i < end; i++) {
      const mask = masks.get(name.charCodeAt(i)) ?? other;
      // state = ((state << 1) | 1) & mask, carried across words.
      let carry = 1;
      for (let w = 0; w < words; w++) {
        const s = state[w];
        state[w] = ((s << 1) | carry) & mask[w];
        carry = s >>> 31;
      }
      if (state[lastWord] & lastBit) return i + 1;
    }
    return -1;
  };
}
