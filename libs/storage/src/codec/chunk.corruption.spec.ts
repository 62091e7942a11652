import fc from 'fast-check';
import { chunkInfo, decodeChunk, encodeChunk } from './chunk';
import { seriesArb } from '../testing/chunk.test-support';
import { crc32 } from './crc32';
import { CodecError } from './errors';

const chunkArb = seriesArb({ maxLength: 150 }).map((series) => encodeChunk(series));
// Exhaustive flips cost bits x runs decodes; small chunks cover every field all the same.
const smallChunkArb = seriesArb({ maxLength: 12 }).map((series) => encodeChunk(series));

function withChecksum(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  new DataView(out.buffer).setUint32(body.length, crc32(body), true);
  return out;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('decodeChunk on damaged bytes', () => {
  it('throws CodecError for every truncation', () => {
    fc.assert(
      fc.property(chunkArb, (bytes) => {
        const accepted: number[] = [];
        for (let length = 0; length < bytes.length; length++) {
          const cut = bytes.subarray(0, length);
          if (!(thrown(() => decodeChunk(cut)) instanceof CodecError)) accepted.push(length);
          if (!(thrown(() => chunkInfo(cut)) instanceof CodecError)) accepted.push(length);
        }
        expect(accepted).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('throws CodecError(checksum-mismatch) for every single-bit flip', () => {
    fc.assert(
      fc.property(smallChunkArb, (bytes) => {
        const accepted: number[] = [];
        for (let bit = 0; bit < bytes.length * 8; bit++) {
          const flipped = bytes.slice();
          flipped[bit >>> 3] ^= 0x80 >>> (bit & 7);
          const error = thrown(() => decodeChunk(flipped));
          if (!(error instanceof CodecError && error.reason === 'checksum-mismatch')) accepted.push(bit);
        }
        expect(accepted).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('throws CodecError when bytes are appended', () => {
    fc.assert(
      fc.property(chunkArb, fc.uint8Array({ minLength: 1, maxLength: 8 }), (bytes, extra) => {
        const longer = new Uint8Array(bytes.length + extra.length);
        longer.set(bytes);
        longer.set(extra, bytes.length);
        expect(thrown(() => decodeChunk(longer))).toBeInstanceOf(CodecError);
        // Even with a checksum that matches, the structure gives the extra bytes away.
        const resealed = withChecksum(longer.subarray(0, longer.length - 4));
        expect(thrown(() => decodeChunk(resealed))).toBeInstanceOf(CodecError);
      }),
      { numRuns: 100 },
    );
  });
});

describe('decodeChunk on forged bytes (checksum recomputed)', () => {
  // A writer bug or a forger can produce a matching CRC; then the structure checks must
  // still either reject the bytes with CodecError or return a self-consistent chunk.
  function expectRejectedOrConsistent(bytes: Uint8Array): void {
    let decoded: ReturnType<typeof decodeChunk>;
    try {
      decoded = decodeChunk(bytes);
    } catch (error) {
      expect(error).toBeInstanceOf(CodecError);
      return;
    }
    const info = chunkInfo(bytes);
    const { timestamps, values } = decoded;
    expect([timestamps.length, values.length, timestamps[0], timestamps[info.count - 1]]).toEqual([
      info.count,
      info.count,
      info.minTimestampMs,
      info.maxTimestampMs,
    ]);
    const increasingSafe = timestamps.every((t, i) => Number.isSafeInteger(t) && (i === 0 || t > timestamps[i - 1]));
    expect(increasingSafe).toBe(true);
  }

  it('rejects or decodes consistently after random byte changes', () => {
    const mutated = fc
      .tuple(chunkArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }))
      .map(([bytes, edits]) => {
        const body = bytes.slice(0, bytes.length - 4);
        for (const [at, xor] of edits) body[at % body.length] ^= xor;
        return withChecksum(body);
      });
    fc.assert(fc.property(mutated, expectRejectedOrConsistent), { numRuns: 2000 });
  });

  it('rejects or decodes consistently for random bytes', () => {
    const header = fc.constantFrom(1, 2).chain((encoding) =>
      fc.uint8Array({ maxLength: 64 }).map((rest) => withChecksum(Uint8Array.of(encoding, ...rest))),
    );
    fc.assert(fc.property(header, expectRejectedOrConsistent), { numRuns: 2000 });
  });

  it.each<[string, string, string]>([
    ['unknown encoding byte', '03010000', 'unknown-encoding'],
    ['zero points', '02000000', 'malformed'],
    ['more points than the limit', '0281808001000000', 'malformed'],
    ['one point with a span', '02010002', 'malformed'],
    ['three points in a 1 ms span', '02030001', 'malformed'],
    ['decimal scale above 15', '0201000010', 'malformed'],
    ['Rice parameter above 52', '0202000235', 'malformed'],
    ['non-zero padding', '0101000000000000000000000001', 'malformed'],
  ])('rejects %s', (_name, body, reason) => {
    expect(thrown(() => decodeChunk(withChecksum(Buffer.from(body, 'hex'))))).toEqual(
      expect.objectContaining({ name: 'CodecError', reason }),
    );
  });
});
