import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { freePorts } from './free-port';
import { healthStatus, waitServing } from './grpc-health';

describe('gRPC health client', () => {
  const server = new grpc.Server();
  const health = new HealthImplementation({ '': 'NOT_SERVING', 'strata.v1.IngestService': 'SERVING' });
  let address: string;

  beforeAll(async () => {
    health.addToServer(server);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    address = `127.0.0.1:${port}`;
  });

  afterAll(() => server.forceShutdown());

  it('names the status of the server and of one service', async () => {
    expect(await healthStatus(address)).toBe('NOT_SERVING');
    expect(await healthStatus(address, { service: 'strata.v1.IngestService' })).toBe('SERVING');
  });

  it('answers with the error instead of throwing when nothing listens', async () => {
    const [closed] = await freePorts(1);
    expect(await healthStatus(`127.0.0.1:${closed}`, { timeoutMs: 200 })).toMatch(/^error: /);
  });

  it('waits until SERVING, and quotes the last answer when it never comes', async () => {
    setTimeout(() => health.setStatus('', 'SERVING'), 300);
    await waitServing(address, 5_000);
    await expect(waitServing(address, 300, { service: 'strata.v1.QueryService' })).rejects.toThrow('last answer: error: ');
  });

  it('stops waiting as soon as the process behind the address is gone', async () => {
    await expect(waitServing(address, 5_000, { service: 'strata.v1.QueryService', isAlive: () => false })).rejects.toThrow('exited');
  });
});
