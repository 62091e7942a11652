import {
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import type { Logger } from './logger';

export interface GrpcServiceBinding {
  /** Fully qualified name, e.g. `strata.v1.IngestService`; health reports it by this name. */
  readonly name: string;
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
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
