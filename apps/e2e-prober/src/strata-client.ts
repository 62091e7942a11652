import { credentials, Metadata, status, type ClientOptions, type ServiceError } from '@grpc/grpc-js';
import { IngestServiceClient, QueryServiceClient, type ReadRequest, type ReadResponse, type WriteRequest, type WriteResponse } from '@strata/proto';
import { injectIntoMetadata, StrataError } from '@strata/runtime';

/**
 * Codes after which the same call may succeed if sent again: the server was unreachable,
 * too slow, over its rate, or failed without storing anything (ingest says "retry it").
 */
const TRANSIENT = new Set<status>([
  status.UNAVAILABLE,
  status.DEADLINE_EXCEEDED,
  status.RESOURCE_EXHAUSTED,
  status.ABORTED,
  status.INTERNAL,
  status.UNKNOWN,
]);

/** A Write or Read call failed with a gRPC status; `retriable` for transient codes. */
export class RpcError extends StrataError {
  constructor(
    readonly rpc: 'Write' | 'Read',
    readonly address: string,
    readonly code: status,
    readonly details: string,
  ) {
    super(`${rpc} to ${address} failed: ${status[code] ?? code}: ${details}`, {
      retriable: TRANSIENT.has(code),
      context: { rpc, address, code: status[code] ?? code },
    });
  }

  /** `UNAVAILABLE: connection refused`, for logs and the dashboard. */
  get summary(): string {
    return `${status[this.code] ?? this.code}: ${this.details}`;
  }
}

export function isRpcError(error: unknown): error is RpcError {
  return error instanceof RpcError;
}

/** What the prober needs of Strata: one write, one (collected) read, each with a deadline. */
export interface StrataRpc {
  write(apiKey: string, request: WriteRequest, timeoutMs: number): Promise<WriteResponse>;
  /** Every message of the Read stream, in order (a series may be split over several). */
  read(apiKey: string, request: ReadRequest, timeoutMs: number): Promise<ReadResponse[]>;
  close(): void;
}

/**
 * Short reconnect backoff: grpc-js waits up to 120 s between reconnects by default, which
 * would keep probes failing for minutes after a restarted ingest or reader is back.
 */
const CHANNEL_OPTIONS: Partial<ClientOptions> = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2_000,
  'grpc.keepalive_time_ms': 30_000,
};

function metadataFor(apiKey: string): Metadata {
  const metadata = new Metadata();
  metadata.set('x-api-key', apiKey);
  // The active probe span's traceparent (nothing when tracing is off).
  return injectIntoMetadata(metadata);
}

function toRpcError(rpc: 'Write' | 'Read', address: string, error: unknown): RpcError {
  const { code, details, message } = error as Partial<ServiceError>;
  return new RpcError(rpc, address, code ?? status.UNKNOWN, details ?? message ?? String(error));
}

/** A plaintext gRPC client of ingest's IngestService and reader's QueryService. */
export class GrpcStrataClient implements StrataRpc {
  private readonly ingest: IngestServiceClient;
  private readonly query: QueryServiceClient;

  constructor(private readonly addresses: { ingest: string; reader: string }) {
    this.ingest = new IngestServiceClient(addresses.ingest, credentials.createInsecure(), CHANNEL_OPTIONS);
    this.query = new QueryServiceClient(addresses.reader, credentials.createInsecure(), CHANNEL_OPTIONS);
  }

  write(apiKey: string, request: WriteRequest, timeoutMs: number): Promise<WriteResponse> {
    return new Promise((resolve, reject) => {
      this.ingest.write(request, metadataFor(apiKey), { deadline: Date.now() + timeoutMs }, (error, response) => {
        if (error) reject(toRpcError('Write', this.addresses.ingest, error));
        else resolve(response);
      });
    });
  }

  read(apiKey: string, request: ReadRequest, timeoutMs: number): Promise<ReadResponse[]> {
    return new Promise((resolve, reject) => {
      const messages: ReadResponse[] = [];
      const call = this.query.read(request, metadataFor(apiKey), { deadline: Date.now() + timeoutMs });
      call.on('data', (message: ReadResponse) => messages.push(message));
      call.on('error', (error) => reject(toRpcError('Read', this.addresses.reader, error)));
      call.on('end', () => resolve(messages));
    });
  }

  close(): void {
    this.ingest.close();
    this.query.close();
  }
}
