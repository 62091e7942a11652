import { mapConcurrently, sleep } from './concurrency';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('mapConcurrently', () => {
  it('keeps the input order and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const results = await mapConcurrently([30, 5, 20, 1, 10], 2, async (ms, index) => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running--;
      return `${index}:${ms}`;
    });
    expect(results).toEqual(['0:30', '1:5', '2:20', '3:1', '4:10']);
    expect(most).toBe(2);
  });

  it.each([0, -3])('runs one at a time when the limit is %d', async (limit) => {
    expect(await mapConcurrently([1, 2, 3], limit, async (n) => n * 2)).toEqual([2, 4, 6]);
  });

  it('starts nothing after a failure and rejects only once the calls in flight have finished', async () => {
    const started: number[] = [];
    let slowFinished = false;
    const run = mapConcurrently([0, 1, 2, 3], 2, async (n) => {
      started.push(n);
      if (n === 0) throw new Error('item 0 failed');
      await new Promise((resolve) => setTimeout(resolve, 20));
      slowFinished = true;
      return n;
    });
    await expect(run).rejects.toThrow('item 0 failed');
    expect(slowFinished).toBe(true);
    expect(started).toEqual([0, 1]);
  });
});

describe('sleep', () => {
  it('resolves after the time', async () => {
    const started = Date.now();
    await sleep(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('resolves at once when the signal aborts, and when it already had', async () => {
    const stop = new AbortController();
    let done = false;
    const sleeping = sleep(60_000, stop.signal).then(() => (done = true));
    await tick();
    expect(done).toBe(false);
    stop.abort();
    await sleeping;
    const started = Date.now();
    await sleep(60_000, stop.signal);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('leaves no listener on a signal that outlives it', async () => {
    const stop = new AbortController();
    const added = jest.spyOn(stop.signal, 'addEventListener');
    const removed = jest.spyOn(stop.signal, 'removeEventListener');
    await Promise.all([sleep(1, stop.signal), sleep(2, stop.signal)]);
    expect(removed.mock.calls.map(([, listener]) => listener)).toEqual(added.mock.calls.map(([, listener]) => listener));
  });
});
