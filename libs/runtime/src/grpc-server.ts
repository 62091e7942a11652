import {
  Metadata,
  Server,
  ServerCredentials,
  ServerInterceptingCall,
  type ServerInterceptor,
  type ServiceDefinition,
  type status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { constants as http2Constants, type ServerHttp2Stream } from 'node:http2';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import type { Logger } from './logger';

export interface GrpcServiceBinding {
  /** Fully qualified name, e.g. `strata.v1.IngestService`; health reports it by this name. */
  readonly name: string;
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
  /**
   * Runs when a call's metadata has arrived, before grpc-js reads its body: a refusal
   * returned here ends the call with that status and the body is never buffered or
   * decoded. This is where a request that costs nothing to refuse (no API key, a full
   * server) is refused, so that refusing it stays cheap whatever its body.
   */
  readonly refuseBeforeBody?: (metadata: Metadata) => CallRefusal | undefined;
}

/** The status a call is ended with by {@link GrpcServiceBinding.refuseBeforeBody}. */
export interface CallRefusal {
  readonly code: status;
  readonly details: string;
}

export interface GrpcServerOptions {
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  readonly services: readonly GrpcServiceBinding[];
  /** Descriptors served by reflection, in addition to grpc.health.v1. */
  readonly reflection?: PackageDefinition;
  /** @default 4 MiB (grpc-js default) */
  readonly maxReceiveMessageLength?: number;
  /**
   * Streams (calls) one HTTP/2 connection may have open at once; further calls wait in
   * the client. Bounds what one connection can make the server hold. @default 100 (Node's)
   */
  readonly maxConcurrentStreams?: number;
}

/**
 * A grpc-js server that always carries `grpc.health.v1.Health` and server reflection.
 * Health starts NOT_SERVING and turns SERVING once the port is bound; `stop()` turns it
 * back to NOT_SERVING before draining, so probes see the shutdown first.
 */
export class GrpcServer {
  private readonly server: Server;
  private readonly health: HealthImplementation;
  private boundPort: number | undefined;

  constructor(private readonly options: GrpcServerOptions) {
    this.server = new Server({
      'grpc.max_receive_message_length': options.maxReceiveMessageLength ?? 4 * 1024 * 1024,
      ...(options.maxConcurrentStreams !== undefined && { 'grpc.max_concurrent_streams': options.maxConcurrentStreams }),
      interceptors: [refuseBeforeBody(options.services)],
    });
    this.health = new HealthImplementation(
      Object.fromEntries(['', ...options.services.map((s) => s.name)].map((name) => [name, 'NOT_SERVING'])),
    );
    this.health.addToServer(this.server);
    for (const service of options.services) {
      this.server.addService(service.definition, service.implementation);
    }
    const healthDefinition = loadSync(healthProtoPath, { keepCase: true });
    new ReflectionService({ ...healthDefinition, ...(options.reflection ?? {}) }).addToServer(this.server);
  }

  /** The bound port (useful when configured with port 0). */
  get port(): number {
    return this.boundPort ?? this.options.port;
  }

  async start(): Promise<void> {
    const address = `${this.options.host}:${this.options.port}`;
    this.boundPort = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(address, ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      );
    });
    this.setServing(true);
    this.options.logger.info({ address: `${this.options.host}:${this.boundPort}` }, 'gRPC server listening');
  }

  setServing(serving: boolean): void {
    const status = serving ? 'SERVING' : 'NOT_SERVING';
    this.health.setStatus('', status);
    for (const service of this.options.services) this.health.setStatus(service.name, status);
  }

  /** NOT_SERVING, then let in-flight calls finish for up to `graceMs`, then cut them off. */
  async stop(graceMs: number): Promise<void> {
    this.setServing(false);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.options.logger.warn({ graceMs }, 'gRPC calls still running at the end of the grace period; cancelling them');
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/**
 * One server interceptor for every binding's {@link GrpcServiceBinding.refuseBeforeBody}.
 * grpc-js keeps a call's HTTP/2 stream paused until the handler asks for the message,
 * which happens only after the metadata has passed the interceptors; a call refused here
 * therefore never has its body read (grpc-js discards what flow control let in).
 */
function refuseBeforeBody(services: readonly GrpcServiceBinding[]): ServerInterceptor {
  const checks = new Map<string, NonNullable<GrpcServiceBinding['refuseBeforeBody']>>();
  for (const service of services) if (service.refuseBeforeBody) checks.set(`/${service.name}/`, service.refuseBeforeBody);
  return (method, call) => {
    const check = checks.get(method.path.slice(0, method.path.lastIndexOf('/') + 1));
    if (check === undefined) return new ServerInterceptingCall(call);
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, proceed) => {
            const refusal = check(metadata);
            if (refusal === undefined) {
              proceed(metadata);
              return;
            }
            call.sendStatus({ code: refusal.code, details: refusal.details, metadata: new Metadata() });
            stopReceiving(call);
          },
        }),
    });
  };
}

/**
 * After a refusal grpc-js resumes the stream to drain it, so a client keeps sending the
 * rest of its body (8 MB, say) and the server reads and drops it all: garbage buffers that
 * raise the process' memory (about 37 MiB for sixteen refused 8 MB bodies, measured).
 * RST_STREAM(NO_ERROR) after the trailers is HTTP/2's "stop sending, the answer is
 * complete": the client keeps the status it already received and sends nothing more.
 * grpc-js gives an interceptor no handle on the stream, so this reaches into the call it
 * built (the innermost, BaseServerInterceptingCall); should that change, the stream is
 * simply drained as before.
 */
function stopReceiving(call: unknown): void {
  const stream = (call as { stream?: Partial<ServerHttp2Stream> }).stream;
  if (typeof stream?.close === 'function' && stream.destroyed === false) stream.close(http2Constants.NGHTTP2_NO_ERROR);
}
