// Float64 values are handled as two uint32 words through a Uint32Array view of the same
// memory, so bit patterns (NaN payloads, -0) pass through untouched and XOR needs no BigInt.
// The word order follows the platform's byte order.

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Index offset of the high word (sign, exponent, top of mantissa) within a value's pair. */
export const HI = LITTLE_ENDIAN ? 1 : 0;
/** Index offset of the low word within a value's pair. */
export const LO = LITTLE_ENDIAN ? 0 : 1;

/** A Uint32Array over the same memory: value i is words [2i + HI] and [2i + LO]. */
export function float64Words(values: Float64Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
}
