import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { pollUntil } from './poll';

type HealthClient = grpc.Client & {
  check(
    request: { service: string },
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response?: { status: string | number }) => void,
  ): void;
};

const HealthClientConstructor = grpc.makeGenericClientConstructor(healthService as grpc.ServiceDefinition, 'grpc.health.v1.Health') as unknown as new (
  address: string,
  credentials: grpc.ChannelCredentials,
) => HealthClient;

const STATUS_NAMES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

export interface HealthCheckOptions {
  /** The service asked about; '' is the whole server. @default '' */
  readonly service?: string;
  /** @default 1_000 */
  readonly timeoutMs?: number;
}

/**
 * One grpc.health.v1 Check: the status name (`SERVING`, `NOT_SERVING`, ...), or
 * `error: <details>` when the call fails, so a caller can quote whatever it saw.
 */
export async function healthStatus(address: string, options: HealthCheckOptions = {}): Promise<string> {
  const client = new HealthClientConstructor(address, grpc.credentials.createInsecure());
  try {
    return await new Promise<string>((resolve) => {
      client.check({ service: options.service ?? '' }, { deadline: Date.now() + (options.timeoutMs ?? 1_000) }, (error, response) => {
        if (error) resolve(`error: ${error.details || error.message}`);
        else resolve(typeof response?.status === 'number' ? (STATUS_NAMES[response.status] ?? 'UNKNOWN') : String(response?.status));
      });
    });
  } finally {
    client.close();
  }
}

export interface WaitServingOptions {
  /** @default '' (the whole server) */
  readonly service?: string;
  /** Ends the wait at once when it turns false (the process behind the address died). */
  readonly isAlive?: () => boolean;
}

/** Resolves once `address` answers SERVING; throws after `timeoutMs` quoting the last answer. */
export async function waitServing(address: string, timeoutMs: number, options: WaitServingOptions = {}): Promise<void> {
  let last = 'no answer';
  await pollUntil(
    async () => {
      if (options.isAlive && !options.isAlive()) throw new Error(`the process behind ${address} exited`);
      last = await healthStatus(address, { service: options.service });
      return last === 'SERVING' ? true : undefined;
    },
    { what: `${address} to be SERVING`, timeoutMs, intervalMs: 200, describe: () => `last answer: ${last}` },
  );
}
