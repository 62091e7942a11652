import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';

type HealthClient = grpc.Client & {
  check(
    request: { service: string },
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response?: { status: string }) => void,
  ): void;
};

const definition = grpc.loadPackageDefinition(loadSync(protoPath, { keepCase: true, enums: String }));
const HealthConstructor = (definition['grpc'] as never)['health']['v1']['Health'] as new (
  address: string,
  credentials: grpc.ChannelCredentials,
) => HealthClient;

/** One grpc.health.v1 Check; resolves to the status name, or to the error's message. */
export async function checkHealth(address: string, service = '', timeoutMs = 1_000): Promise<string> {
  const client = new HealthConstructor(address, grpc.credentials.createInsecure());
  try {
    return await new Promise<string>((resolve) => {
      client.check({ service }, { deadline: Date.now() + timeoutMs }, (error, response) =>
        resolve(error ? `error: ${error.details || error.message}` : (response?.status ?? 'UNKNOWN')),
      );
    });
  } finally {
    client.close();
  }
}

/** Polls until `address` reports SERVING, or throws after `timeoutMs` with the last answer. */
export async function waitServing(address: string, timeoutMs: number, service = ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    last = await checkHealth(address, service, Math.min(1_000, Math.max(50, deadline - Date.now())));
    if (last === 'SERVING') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${address} not SERVING after ${timeoutMs} ms (last answer: ${last})`);
}
