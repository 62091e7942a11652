/**
 * The k-th smallest element (0-based) of `a`'s first `length` elements, in expected linear
 * time (Hoare's quickselect, middle pivot). Reorders them. Faster than sorting a typed
 * array, which dominated encoding. They must not contain NaN.
 */
export function selectKth(a: Float64Array, k: number, length = a.length): number {
  let lo = 0;
  let hi = length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}
