// CRC-32/ISO-HDLC (the zlib / PNG / Ethernet CRC): reflected polynomial 0xEDB88320,
// initial value and final XOR 0xFFFFFFFF. Check value: crc32("123456789") = 0xCBF43926.
// It detects every single-bit flip and every burst of up to 32 bits, which is what a
// stored chunk needs; it is not a defence against deliberate forgery.

const TABLE = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** CRC32 of `bytes[start, end)`, as an unsigned 32-bit integer. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = -1;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
