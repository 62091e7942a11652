import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';

/** One span as an OTLP/HTTP receiver got it, with its resource's service.name. */
export interface ReceivedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  /** Empty for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
}

/** Length-delimited fields of a message by number, and varints, in wire order. */
function fields(bytes: Uint8Array): Array<{ no: number; bytes?: Uint8Array; varint?: number }> {
  const reader = new BinaryReader(bytes);
  const out: Array<{ no: number; bytes?: Uint8Array; varint?: number }> = [];
  while (reader.pos < reader.len) {
    const [no, type] = reader.tag();
    if (type === WireType.LengthDelimited) out.push({ no, bytes: reader.bytes() });
    else if (type === WireType.Varint) out.push({ no, varint: Number(reader.uint64()) });
    else reader.skip(type, no);
  }
  return out;
}

const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const hex = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('hex');

/** opentelemetry.proto.common.v1.KeyValue list -> plain object (string, bool, int values). */
function attributes(keyValues: Uint8Array[]): Record<string, string | number | boolean> {
  const result: Record<string, string | number | boolean> = {};
  for (const kv of keyValues) {
    const parts = fields(kv);
    const key = text(parts.find((f) => f.no === 1)?.bytes);
    const value = fields(parts.find((f) => f.no === 2)?.bytes ?? new Uint8Array());
    const [first] = value;
    if (!first) continue;
    if (first.no === 1) result[key] = text(first.bytes);
    else if (first.no === 2) result[key] = first.varint === 1;
    else if (first.no === 3) result[key] = first.varint ?? 0;
  }
  return result;
}

/** Decodes an ExportTraceServiceRequest (OTLP protobuf) into its spans. */
export function decodeTraceExport(body: Uint8Array): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of fields(body).filter((f) => f.no === 1)) {
    const parts = fields(resourceSpans.bytes!);
    const resource = fields(parts.find((f) => f.no === 1)?.bytes ?? new Uint8Array());
    const service = String(attributes(resource.filter((f) => f.no === 1).map((f) => f.bytes!))['service.name'] ?? '');
    for (const scopeSpans of parts.filter((f) => f.no === 2)) {
      for (const span of fields(scopeSpans.bytes!).filter((f) => f.no === 2)) {
        const s = fields(span.bytes!);
        const one = (no: number) => s.find((f) => f.no === no);
        spans.push({
          service,
          traceId: hex(one(1)?.bytes),
          spanId: hex(one(2)?.bytes),
          parentSpanId: hex(one(4)?.bytes),
          name: text(one(5)?.bytes),
          kind: one(6)?.varint ?? 0,
          attributes: attributes(s.filter((f) => f.no === 9).map((f) => f.bytes!)),
        });
      }
    }
  }
  return spans;
}

/**
 * A minimal OTLP/HTTP trace receiver on 127.0.0.1: accepts POST /v1/traces with a
 * protobuf body (gzip or not), answers 200 with an empty ExportTraceServiceResponse,
 * and keeps every span. Anything else is a 404/415, so a wrong exporter setting shows.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly rejected: string[] = [];
  private server: Server | undefined;
  private port = 0;

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/traces' || req.headers['content-type'] !== 'application/x-protobuf') {
          this.rejected.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
          res.writeHead(req.url === '/v1/traces' ? 415 : 404).end();
          return;
        }
        const raw = Buffer.concat(chunks);
        try {
          this.spans.push(...decodeTraceExport(req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw));
        } catch (error) {
          this.rejected.push(`undecodable body: ${String(error)}`);
          res.writeHead(400).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('receiver has no port');
    this.port = address.port;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
