import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createKafka, ensureTopic } from '@strata/stream';
import { healthStatus } from '@strata/testing';
import { withProberKey } from './prober-key';
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
  // Its own topic: a new writer group on the shared topic would first replay everyone's backlog.
  const topic = `strata.points.launcher-${process.pid}-${Date.now().toString(36)}`;
  // As `npm start` with the user's own STRATA_API_KEYS: the launcher gives the prober a key.
  const keys = withProberKey({
    ...process.env,
    STRATA_KAFKA_TOPIC: topic,
    STRATA_API_KEYS: `launcher-user-key-${process.pid}:launcher-user`,
    STRATA_PROBER_INTERVAL_MS: '1000',
    STRATA_LOG_LEVEL: 'warn',
    STRATA_WRITER_GROUP_ID: `strata-writer-spec-${process.pid}`,
  });
  const processes = new ServiceProcesses({ workspace, services, env: keys.env, logDir });
  let pids: number[] = [];

  beforeAll(async () => {
    const kafka = createKafka({ brokers: (process.env['STRATA_KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(','), clientId: 'launcher-int', topic, logLevel: 'nothing' });
    await ensureTopic(kafka, { topic, partitions: 2, replicationFactor: 1 });
    const started = await processes.start(60_000);
    pids = started.map((s) => s.pid);
  }, 90_000);

  afterAll(async () => {
    await processes.stop(15_000);
    rmSync(logDir, { recursive: true, force: true });
  });

  it('brings every service to SERVING', async () => {
    const statuses = await Promise.all(services.map((s) => healthStatus(`127.0.0.1:${s.grpcPort}`)));
    expect(statuses).toEqual(['SERVING', 'SERVING', 'SERVING', 'SERVING', 'SERVING']);
  });

  it('lists the Strata services through server reflection (grpcurl)', () => {
    expect(existsSync(grpcurl)).toBe(true);
    for (const service of services.filter((s) => s.rpcServices.length > 0)) {
      const listed = execFileSync(grpcurl, ['-plaintext', `127.0.0.1:${service.grpcPort}`, 'list']).toString().split('\n');
      expect(listed).toEqual(expect.arrayContaining([...service.rpcServices, 'grpc.health.v1.Health']));
    }
  });

  it("probes green with the user's own STRATA_API_KEYS: the prober has a key of its own", async () => {
    const prober = services.find((s) => s.name === 'e2e-prober')!;
    const deadline = Date.now() + 45_000;
    let latest: Record<string, { result: string; message?: string }> = {};
    while (Date.now() < deadline) {
      const state = (await (await fetch(`http://127.0.0.1:${prober.opsPort}/api/state`)).json()) as { latest: typeof latest };
      latest = state.latest;
      if (latest['strata-prober']?.result === 'ok') break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(keys.generated?.tenant).toBe('strata-prober');
    expect(latest['strata-prober']).toMatchObject({ result: 'ok' });
  }, 60_000);

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
