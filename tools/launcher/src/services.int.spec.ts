import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkHealth } from './grpc-health';
import { ServiceProcesses } from './service-processes';
import { SERVICES, withPortOffset } from './services';

const workspace = resolve(__dirname, '../../..');
const grpcurl = join(process.env['STRATA_CACHE_DIR'] ?? join(workspace, '.cache'), 'bin', 'grpcurl');

/**
 * What `npm start` promises, on shifted ports so it can run beside a running copy: all five
 * services reach SERVING, the Strata services are visible through reflection, and a stop
 * leaves no process behind.
 */
describe('the five services as processes', () => {
  const services = withPortOffset(SERVICES, 500);
  const logDir = mkdtempSync(join(tmpdir(), 'strata-launcher-'));
  const processes = new ServiceProcesses({ workspace, services, env: { ...process.env, STRATA_LOG_LEVEL: 'warn', STRATA_WRITER_GROUP_ID: `strata-writer-spec-${process.pid}` }, logDir });
  let pids: number[] = [];

  beforeAll(async () => {
    const started = await processes.start(60_000);
    pids = started.map((s) => s.pid);
  }, 90_000);

  afterAll(async () => {
    await processes.stop(15_000);
    rmSync(logDir, { recursive: true, force: true });
  });

  it('brings every service to SERVING', async () => {
    const statuses = await Promise.all(services.map((s) => checkHealth(`127.0.0.1:${s.grpcPort}`)));
    expect(statuses).toEqual(['SERVING', 'SERVING', 'SERVING', 'SERVING', 'SERVING']);
  });

  it('lists the Strata services through server reflection (grpcurl)', () => {
    expect(existsSync(grpcurl)).toBe(true);
    for (const service of services.filter((s) => s.rpcServices.length > 0)) {
      const listed = execFileSync(grpcurl, ['-plaintext', `127.0.0.1:${service.grpcPort}`, 'list']).toString().split('\n');
      expect(listed).toEqual(expect.arrayContaining([...service.rpcServices, 'grpc.health.v1.Health']));
    }
  });

  it('stops every process on SIGTERM', async () => {
    await processes.stop(15_000);
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  });
});
