import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ServiceStartError } from './errors';
import * as net from 'node:net';
import { tcpReachable, waitForReady } from './readiness';

describe('waitForReady', () => {
  let logFile: string;
  let clock: number;
  beforeEach(() => {
    logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stack-ready-')), 'svc.log');
    fs.writeFileSync(logFile, 'line 1\nline 2\nFATAL: address in use\n');
    clock = 0;
  });
  const timing = { now: () => clock, sleep: async (ms: number) => void (clock += ms), intervalMs: 250 };

  it('retries the probe until it succeeds and returns the time it took', async () => {
    let attempts = 0;
    const ms = await waitForReady({
      ...timing,
      service: 'kafka',
      logFile,
      timeoutMs: 10_000,
      isAlive: () => true,
      probe: async () => {
        if (++attempts < 4) throw new Error('connection refused');
      },
    });
    expect(attempts).toBe(4);
    expect(ms).toBe(750);
  });

  it('fails at once, quoting the log, when the process has exited', async () => {
    const error = await waitForReady({
      ...timing,
      service: 'redis',
      logFile,
      timeoutMs: 10_000,
      isAlive: () => false,
      probe: async () => undefined,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceStartError);
    expect((error as Error).message).toContain('redis: the process exited while starting');
    expect((error as Error).message).toContain(`see ${logFile}`);
    expect((error as Error).message).toContain('FATAL: address in use');
  });

  it('times out with the last probe error and the log file', async () => {
    const error = await waitForReady({
      ...timing,
      service: 'dynamodb',
      logFile,
      timeoutMs: 1000,
      isAlive: () => true,
      probe: async () => {
        throw new Error('ECONNREFUSED 127.0.0.1:8000');
      },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/dynamodb: not ready after 1000 ms \(last check: ECONNREFUSED 127.0.0.1:8000\); see .*svc\.log/);
  });

  it('cuts off a probe that hangs', async () => {
    let attempts = 0;
    const ms = await waitForReady({
      service: 's3',
      logFile,
      timeoutMs: 5000,
      attemptTimeoutMs: 50,
      intervalMs: 1,
      isAlive: () => true,
      probe: () => (++attempts === 1 ? new Promise<void>(() => undefined) : Promise.resolve()),
    });
    expect(attempts).toBe(2);
    expect(ms).toBeGreaterThanOrEqual(50);
  });
});

describe('tcpReachable', () => {
  it('resolves for a listening port and rejects once nothing listens there', async () => {
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await expect(tcpReachable('127.0.0.1', port)).resolves.toBeUndefined();
    await new Promise((resolve) => server.close(resolve));
    await expect(tcpReachable('127.0.0.1', port)).rejects.toThrow(/ECONNREFUSED/);
  });
});
