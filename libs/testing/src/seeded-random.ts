/**
 * A deterministic random generator (mulberry32) in [0, 1): the same seed gives the same
 * sequence, so a generated dataset repeats from run to run and a failing spec can be
 * replayed from its seed. Small and fast enough for benchmark datasets; not for secrets.
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
