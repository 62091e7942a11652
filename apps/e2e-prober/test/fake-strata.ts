import { Server, ServerCredentials, status, type Metadata, type ServerWritableStream, type ServiceError } from '@grpc/grpc-js';
import {
  IngestServiceService,
  QueryServiceService,
  type IngestServiceServer,
  type QueryServiceServer,
  type ReadRequest,
  type ReadResponse,
  type Series,
  type WriteRequest,
  type WriteResponse,
} from '@strata/proto';

interface StoredPoint {
  readonly tenant: string;
  readonly name: string;
  readonly labels: ReadonlyArray<{ name: string; value: string }>;
  readonly timestampMs: number;
  readonly value: number;
  readonly visibleAt: number;
}

const fail = (code: status, details: string): ServiceError =>
  Object.assign(new Error(details), { code, details, metadata: undefined as unknown as Metadata });

/**
 * IngestService and QueryService on one in-process gRPC port, built to the strata.v1
 * contract: x-api-key → tenant, Write replies accepted/rejections, Read streams the
 * selected series (one message per point, as a split series may arrive). Written points
 * become readable after `visibilityDelayMs`, like a pipeline with a delay; failures and
 * stalls are switched on per test.
 */
export class FakeStrata {
  readonly keys = new Map([
    ['key-a-0123456789', 'a'],
    ['key-b-0123456789', 'b'],
  ]);
  visibilityDelayMs = 0;
  /** Codes the next Write calls fail with, one per call. */
  writeFailures: status[] = [];
  /** Every Write fails with this code while set. */
  writeAlwaysFails: status | undefined;
  /** Every Write answers after this long (to run into the client's deadline). */
  writeStallMs = 0;
  /** The next Write reports this rejection instead of storing the point. */
  rejectNext: { code: string; message: string } | undefined;
  /** Every Read fails with this code while set. */
  readAlwaysFails: status | undefined;
  readonly writes: Array<{ tenant: string; request: WriteRequest }> = [];
  readonly reads: Array<{ tenant: string; request: ReadRequest }> = [];
  private readonly points: StoredPoint[] = [];
  private readonly server = new Server();
  private readonly timers = new Set<NodeJS.Timeout>();
  private port = 0;

  async start(): Promise<string> {
    const ingest: IngestServiceServer = { write: (call, callback) => this.write(call.metadata, call.request, callback) };
    const query: QueryServiceServer = {
      read: (call) => this.read(call),
      listSeries: (_call, callback) => callback(fail(status.UNIMPLEMENTED, 'not in the fake')),
    };
    this.server.addService(IngestServiceService, ingest);
    this.server.addService(QueryServiceService, query);
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
    );
    return this.address;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.forceShutdown();
  }

  /** Probe points written so far, in order. */
  written(name: string): Series[] {
    return this.writes.flatMap((w) => w.request.series.filter((s) => s.name === name));
  }

  private tenant(metadata: Metadata): string | undefined {
    const key = metadata.get('x-api-key')[0];
    return typeof key === 'string' ? this.keys.get(key) : undefined;
  }

  private write(metadata: Metadata, request: WriteRequest, callback: (error: ServiceError | null, response?: WriteResponse) => void) {
    const tenant = this.tenant(metadata);
    if (tenant === undefined) return callback(fail(status.UNAUTHENTICATED, 'unknown API key'));
    const failure = this.writeFailures.shift() ?? this.writeAlwaysFails;
    if (failure !== undefined) return callback(fail(failure, `injected ${status[failure]}`));
    const answer = () => {
      this.writes.push({ tenant, request });
      if (this.rejectNext) {
        const { code, message } = this.rejectNext;
        this.rejectNext = undefined;
        return callback(null, { accepted: 0, rejections: [{ seriesIndex: 0, pointIndex: 0, code, message }] });
      }
      let accepted = 0;
      for (const series of request.series) {
        for (const point of series.points) {
          this.points.push({ tenant, name: series.name, labels: series.labels, ...point, visibleAt: Date.now() + this.visibilityDelayMs });
          accepted++;
        }
      }
      callback(null, { accepted, rejections: [] });
    };
    if (this.writeStallMs === 0) return answer();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      answer();
    }, this.writeStallMs);
    this.timers.add(timer);
  }

  private read(call: ServerWritableStream<ReadRequest, ReadResponse>) {
    const tenant = this.tenant(call.metadata);
    if (tenant === undefined) return call.emit('error', fail(status.UNAUTHENTICATED, 'unknown API key'));
    if (this.readAlwaysFails !== undefined) return call.emit('error', fail(this.readAlwaysFails, `injected ${status[this.readAlwaysFails]}`));
    const { request } = call;
    this.reads.push({ tenant, request });
    const now = Date.now();
    for (const selector of request.series) {
      const matching = this.points.filter(
        (p) =>
          p.tenant === tenant &&
          p.name === selector.name &&
          selector.labels.every((l) => p.labels.some((m) => m.name === l.name && m.value === l.value)) &&
          p.timestampMs >= request.fromMs &&
          p.timestampMs < request.toMs &&
          p.visibleAt <= now,
      );
      // One message per point: the client must put a split series back together.
      for (const p of matching) call.write({ series: [{ name: p.name, labels: [...p.labels], points: [{ timestampMs: p.timestampMs, value: p.value }] }], warnings: [] });
    }
    call.end();
  }
}
