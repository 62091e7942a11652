import type { BitReader } from './bit-reader';
import type { BitWriter } from './bit-writer';

// Header integers are LEB128 varints: 7 bits per byte, least significant group first,
// high bit set on every byte but the last. Signed fields use sign-magnitude, i.e. the
// varint of 2·|v| + (v < 0 ? 1 : 0), which covers every safe integer without forming a
// number above 2^53 (protobuf's zigzag would, for negative values near -2^53).
// Decoding is strict: at most 8 bytes, no redundant trailing zero group, no "-0", and the
// result must be a safe integer, so a damaged header cannot smuggle in an unusable number.

const MAX_VARINT_BYTES = 8;

export function writeUvarint(w: BitWriter, value: number): void {
  let v = value;
  while (v >= 0x80) {
    w.writeByte((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  w.writeByte(v);
}

export function writeSvarint(w: BitWriter, value: number): void {
  let magnitude = Math.abs(value);
  let group = (magnitude % 0x40) * 2 + (value < 0 ? 1 : 0);
  magnitude = Math.floor(magnitude / 0x40);
  while (magnitude > 0) {
    w.writeByte(group | 0x80);
    group = magnitude % 0x80;
    magnitude = Math.floor(magnitude / 0x80);
  }
  w.writeByte(group);
}

/** Bytes `writeUvarint` uses for `value`. */
export function uvarintLength(value: number): number {
  let bytes = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) bytes++;
  return bytes;
}

/** Bytes `writeSvarint` uses for `value`. */
export function svarintLength(value: number): number {
  return Math.abs(value) < 0x40 ? 1 : 1 + uvarintLength(Math.floor(Math.abs(value) / 0x40));
}

export function readUvarint(r: BitReader): number {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    const byte = r.readByte();
    result += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      if (byte === 0 && i > 0) throw r.malformed('varint has a redundant zero byte');
      if (result > Number.MAX_SAFE_INTEGER) throw r.malformed('varint exceeds 2^53 - 1');
      return result;
    }
    scale *= 0x80;
  }
  throw r.malformed(`varint longer than ${MAX_VARINT_BYTES} bytes`);
}

export function readSvarint(r: BitReader): number {
  const first = r.readByte();
  const negative = (first & 1) === 1;
  let magnitude = (first & 0x7e) >>> 1;
  if (first >= 0x80) {
    let scale = 0x40;
    for (let i = 1; ; i++) {
      if (i === MAX_VARINT_BYTES) throw r.malformed(`varint longer than ${MAX_VARINT_BYTES} bytes`);
      const byte = r.readByte();
      magnitude += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (byte === 0) throw r.malformed('varint has a redundant zero byte');
        break;
      }
      scale *= 0x80;
    }
  }
  if (magnitude > Number.MAX_SAFE_INTEGER) throw r.malformed('varint exceeds 2^53 - 1');
  if (negative && magnitude === 0) throw r.malformed('varint encodes -0');
  return negative ? -magnitude : magnitude;
}
