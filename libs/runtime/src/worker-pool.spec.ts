import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from './logger';
import { WorkerPool, workerEntry, type WorkerEntry } from './worker-pool';
import type { EchoTask } from '../test/echo-worker';

const logger = createLogger({ service: 'spec', level: 'silent' });
// The echo worker is a test-support file (kept out of the lib's build), so its entry is
// spelled out here; workerEntry's own resolution is checked below.
const echo: WorkerEntry = { file: join(__dirname, '../test/echo-worker.ts'), execArgv: ['--require', require.resolve('tsx/cjs')] };

describe('workerEntry', () => {
  it('takes the bundled worker beside a bundle, else the TypeScript source, else names both', () => {
    const dir = mkdtempSync(join(tmpdir(), 'worker-entry-'));
    writeFileSync(join(dir, 'decode.worker.ts'), '');
    expect(workerEntry(dir, 'decode')).toEqual({ file: join(dir, 'decode.worker.ts'), execArgv: ['--require', require.resolve('tsx/cjs')] });
    writeFileSync(join(dir, 'decode.worker.js'), '');
    expect(workerEntry(dir, 'decode')).toEqual({ file: join(dir, 'decode.worker.js'), execArgv: [] });
    expect(() => workerEntry(dir, 'block')).toThrow(`no block.worker.js or block.worker.ts in ${dir}`);
  });
});

describe('WorkerPool', () => {
  const depths: number[] = [];
  let refused = 0;
  let completed = 0;
  const pool = new WorkerPool({
    entry: echo,
    size: 2,
    name: 'echo',
    logger,
    maxQueue: 2,
    tenantShare: 1,
    refusal: ({ maxQueue, tenantShare }) => new Error(`full: ${maxQueue}/${tenantShare}`),
    hooks: { queueDepth: (n) => depths.push(n), refused: () => refused++, completed: () => completed++ },
  });
  const run = (task: EchoTask, tenant?: string, signal?: AbortSignal) => pool.run<string>(() => ({ message: task }), { tenant, signal });

  beforeAll(() => pool.start(), 30_000);
  afterAll(() => pool.stop());

  it('answers each task with its worker message and reports it to the hooks', async () => {
    const before = completed;
    expect(await Promise.all([run({ value: 'a' }), run({ value: 'b' }), run({ value: 'c' }, 'other')])).toEqual(['a', 'b', 'c']);
    expect(completed - before).toBe(3);
    expect(depths.at(-1)).toBe(0);
  });

  it('refuses past the queue and past a tenant share, with the error it was given', async () => {
    const before = refused;
    const busy = [run({ value: '1', spinMs: 300 }, 'a'), run({ value: '2', spinMs: 300 }, 'b')];
    const queued = run({ value: '3' }, 'a'); // a's share of the queue: 1
    await expect(run({ value: '4' }, 'a')).rejects.toThrow('full: 2/1');
    const other = run({ value: '5' }, 'b'); // the queue's second place
    await expect(run({ value: '6' }, 'c')).rejects.toThrow('full: 2/1');
    expect(refused - before).toBe(2);
    expect(await Promise.all([...busy, queued, other])).toEqual(['1', '2', '3', '5']);
  }, 20_000);

  it('gives a free worker to the tenant with the fewest tasks in workers, not to the oldest task', async () => {
    const done: string[] = [];
    const track = (value: string, tenant: string, spinMs: number) => run({ value, spinMs }, tenant).then((v) => done.push(v));
    // n1 ends at once while n2 runs long, so the worker n1 frees decides who goes next: in
    // arrival order n3 would, but noisy has n2 in a worker and quiet has none, so q1 goes.
    const noisy = [track('n1', 'noisy', 0), track('n2', 'noisy', 1_000), track('n3', 'noisy', 50)];
    const quiet = track('q1', 'quiet', 50);
    await Promise.all([...noisy, quiet]);
    expect(done.indexOf('q1')).toBeLessThan(done.indexOf('n3'));
  }, 20_000);

  it('drops a queued task whose signal aborts, freeing its place at once', async () => {
    const busy = [run({ value: '1', spinMs: 300 }, 'a'), run({ value: '2', spinMs: 300 }, 'b')];
    const stop = new AbortController();
    const queued = run({ value: 'never' }, 'c', stop.signal);
    const reason = new Error('the call was cancelled');
    stop.abort(reason);
    await expect(queued).rejects.toBe(reason);
    const next = [run({ value: '3' }, 'c'), run({ value: '4' }, 'd')];
    expect(await Promise.all([...busy, ...next])).toEqual(['1', '2', '3', '4']);
    await expect(run({ value: 'x' }, 'e', stop.signal)).rejects.toBe(reason);
  }, 20_000);

  it('fails only the task of a worker that dies, and replaces the worker', async () => {
    await expect(run({ value: 'x', exit: true })).rejects.toThrow(/an? echo worker died during its task: echo worker exited with code 3/);
    expect(await Promise.all([run({ value: 'after' }, 'a'), run({ value: 'again' }, 'b')])).toEqual(['after', 'again']);
  }, 20_000);

  it('fails start() naming the file when a worker cannot load, and refuses work once stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'worker-broken-'));
    writeFileSync(join(dir, 'broken.worker.js'), 'throw new Error("cannot load");');
    const broken = new WorkerPool({ entry: workerEntry(dir, 'broken'), size: 1, name: 'broken', logger });
    await expect(broken.start()).rejects.toThrow(`broken worker ${join(dir, 'broken.worker.js')} failed to start: cannot load`);
    await broken.stop();
    await expect(broken.run(() => ({ message: {} }))).rejects.toThrow('the broken worker pool is stopping');
  }, 20_000);
});
