import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PortInUseError } from './errors';
import { startStack, stopStack, stackStatus } from './index';
import type { StackLogger } from './logger';

// The stack's own lifecycle, on real processes: Redis alone (it starts in milliseconds),
// on a free port, in a scratch cache dir, next to whatever stack is already running.
// Needs redis-server on PATH, which `stack.sh install` provides.

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('stack lifecycle (redis only, real processes)', () => {
  let cacheDir: string;
  let env: Record<string, string | undefined>;
  let port: number;
  const lines: string[] = [];
  const logger: StackLogger = { info: (l) => lines.push(l), warn: (l) => lines.push(`WARN ${l}`) };
  const options = () => ({ env, logger, services: ['redis'] as const });

  beforeAll(async () => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-stack-int-'));
    port = await freePort();
    env = { ...process.env, STRATA_CACHE_DIR: cacheDir, STRATA_STACK_REDIS_PORT: String(port), STRATA_STACK_READY_TIMEOUT_MS: '20000' };
  });

  afterAll(async () => {
    await stopStack({ env, logger, services: ['redis'] });
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  it('starts a service once, reuses it on the next up, and stops it on down', async () => {
    const first = await startStack(options());
    expect(first.started).toEqual(['redis']);
    expect(first.services[0]).toMatchObject({ name: 'redis', state: 'started', endpoint: `redis://127.0.0.1:${port}` });
    expect(first.clientEnv).toEqual({ STRATA_REDIS_URL: `redis://127.0.0.1:${port}` });

    const second = await startStack(options());
    expect(second.started).toEqual([]);
    expect(second.services[0]).toMatchObject({ state: 'already-running', pid: first.services[0]?.pid });

    expect(await stackStatus(options())).toEqual([expect.objectContaining({ name: 'redis', state: 'running', ready: true })]);

    expect((await stopStack(options())).stopped).toEqual(['redis']);
    expect(fs.existsSync(path.join(cacheDir, 'stack', 'run', 'redis.pid'))).toBe(false);
    expect(await stackStatus(options())).toEqual([expect.objectContaining({ state: 'stopped', ready: false })]);
  });

  it('cleans up a stale pidfile and starts afresh', async () => {
    const first = await startStack(options());
    const pid = first.services[0]!.pid;
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    lines.length = 0;
    const second = await startStack(options());
    expect(second.started).toEqual(['redis']);
    expect(second.services[0]!.pid).not.toBe(pid);
    expect(lines.some((l) => l.startsWith('WARN') && l.includes(`stale pidfile: pid ${pid} is not running`))).toBe(true);
    await stopStack(options());
  });

  it('refuses a port held by a process it did not start, naming that process, and starts nothing', async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const error = await startStack(options()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PortInUseError);
      expect(error).toMatchObject({ service: 'redis', port, holder: { pid: process.pid } });
      expect(fs.existsSync(path.join(cacheDir, 'stack', 'run', 'redis.pid'))).toBe(false);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
