import { crc32 } from '../codec/crc32';
import { ByteReader, ByteWriter } from './byte-io';
import { ColdFormatError, InvalidColdInputError } from './cold-errors';
import { checkBlockSet, decodeManifest, encodeManifest, readBlockSet, writeBlockSet, type BlockSet, type Manifest } from './manifest';
import { yearMonths } from './periods';

// The catalog of one tenant's calendar year: the month manifests of the year in one object
// (so a long read costs one GET per year, not per month), and the year rollup blocks (1 d
// rows of every day those manifests list) when every month has its month rollup.
// The archiver writes it after the month manifests and before deleting anything they
// replaced; the reader trusts it like a manifest. docs/cold-format.md, "Year catalog".

export const CATALOG_MAGIC = Uint8Array.of(0x53, 0x54, 0x59, 0x43); // "STYC"
export const CATALOG_VERSION = 1;

export interface Catalog {
  readonly tenant: string;
  /** Calendar year, e.g. 2026. */
  readonly year: number;
  /** The year's month manifests, ascending by month, each of this tenant and year. */
  readonly months: readonly Manifest[];
  /** Year rollup blocks (1 d rows) covering exactly the days the months list. */
  readonly rollup?: BlockSet;
}

export function encodeCatalog(catalog: Catalog): Uint8Array {
  checkCatalog(catalog);
  const w = new ByteWriter(64 + catalog.months.length * 256);
  w.bytes(CATALOG_MAGIC);
  w.u8(CATALOG_VERSION);
  w.string(catalog.tenant);
  w.uvarint(catalog.year);
  w.uvarint(catalog.months.length);
  for (const manifest of catalog.months) {
    const bytes = encodeManifest(manifest);
    w.uvarint(bytes.length);
    w.bytes(bytes);
  }
  w.u8(catalog.rollup ? 1 : 0);
  if (catalog.rollup) writeBlockSet(w, catalog.rollup);
  const body = w.finish();
  const out = new ByteWriter(body.length + 4);
  out.bytes(body);
  out.u32(crc32(body));
  return out.finish();
}

export function decodeCatalog(bytes: Uint8Array): Catalog {
  if (bytes.length < CATALOG_MAGIC.length + 1 + 4) throw new ColdFormatError('truncated', 'catalog', `${bytes.length} bytes`);
  for (let i = 0; i < 4; i++) if (bytes[i] !== CATALOG_MAGIC[i]) throw new ColdFormatError('bad-magic', 'catalog', 'does not start with "STYC"');
  if (bytes[4] !== CATALOG_VERSION) throw new ColdFormatError('unsupported-version', 'catalog', `version ${bytes[4]}, this build reads ${CATALOG_VERSION}`);
  const body = bytes.length - 4;
  const stored = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(body, true);
  if (crc32(bytes, 0, body) !== stored) throw new ColdFormatError('checksum-mismatch', 'catalog', `stored CRC ${stored.toString(16)} does not match`);
  const r = new ByteReader(bytes, 'catalog', 5, body);
  const tenant = r.string();
  const year = r.uvarint();
  const count = r.uvarint();
  const months: Manifest[] = [];
  for (let i = 0; i < count; i++) months.push(decodeManifest(r.bytes(r.uvarint())));
  const hasRollup = r.u8();
  if (hasRollup > 1) throw r.malformed(`rollup flag ${hasRollup}`);
  const catalog: Catalog = { tenant, year, months, ...(hasRollup === 1 && { rollup: readBlockSet(r) }) };
  if (r.remaining !== 0) throw r.malformed(`${r.remaining} byte(s) after the catalog`);
  try {
    checkCatalog(catalog);
  } catch (error) {
    throw new ColdFormatError('malformed', 'catalog', (error as Error).message);
  }
  return catalog;
}

function checkCatalog(c: Catalog): void {
  const { first, last } = yearMonths(c.year);
  c.months.forEach((m, i) => {
    if (m.tenant !== c.tenant) throw new InvalidColdInputError(`the manifest of month ${m.month} belongs to ${m.tenant}, not ${c.tenant}`);
    if (m.month < first || m.month > last) throw new InvalidColdInputError(`month ${m.month} is not in year ${c.year}`);
    if (i > 0 && m.month <= c.months[i - 1].month) throw new InvalidColdInputError(`months are not ascending at ${m.month}`);
  });
  if (c.rollup) checkBlockSet(c.rollup, 'year rollup');
}
