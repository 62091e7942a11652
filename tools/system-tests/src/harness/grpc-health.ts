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

/** One grpc.health.v1 Check of the whole server: its status name, or `error: <details>`. */
export async function healthStatus(address: string, timeoutMs = 1_000): Promise<string> {
  const client = new HealthClientConstructor(address, grpc.credentials.createInsecure());
  try {
    return await new Promise<string>((resolve) => {
      client.check({ service: '' }, { deadline: Date.now() + timeoutMs }, (error, response) => {
        if (error) resolve(`error: ${error.details || error.message}`);
        else resolve(typeof response?.status === 'number' ? (['UNKNOWN', 'SERVING', 'NOT_SERVING'][response.status] ?? 'UNKNOWN') : String(response?.status));
      });
    });
  } finally {
    client.close();
  }
}

/** Resolves once `address` answers SERVING; throws after `timeoutMs` quoting the last answer. */
export async function waitServing(address: string, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  let last = 'no answer';
  await pollUntil(
    async () => {
      if (!isAlive()) throw new Error(`the process behind ${address} exited`);
      last = await healthStatus(address);
      return last === 'SERVING' ? true : undefined;
    },
    { what: `${address} to be SERVING`, timeoutMs, intervalMs: 200, describe: () => `last answer: ${last}` },
  );
}
