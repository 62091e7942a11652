import { OffsetCommits } from './offset-commits';

/** A commit function whose calls wait until released, one by one. */
function gatedCommits() {
  const sent: Array<[number, string]> = [];
  const gates: Array<{ release: () => void; fail: (e: Error) => void }> = [];
  const commit = (partition: number, offset: string) =>
    new Promise<void>((resolve, reject) => {
      sent.push([partition, offset]);
      gates.push({ release: resolve, fail: reject });
    });
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  return { sent, gates, commit, tick };
}

describe('OffsetCommits', () => {
  it('sends at once when nothing is in flight, and coalesces what is asked meanwhile into the newest', async () => {
    const { sent, gates, commit, tick } = gatedCommits();
    const commits = new OffsetCommits(commit, () => undefined);
    commits.request(3, '10');
    commits.request(3, '20');
    commits.request(3, '30');
    commits.request(4, '7');
    expect(sent).toEqual([
      [3, '10'],
      [4, '7'],
    ]);
    gates[0].release();
    await tick();
    // 20 was replaced by 30 before it could go.
    expect(sent).toEqual([
      [3, '10'],
      [4, '7'],
      [3, '30'],
    ]);
    gates[1].release();
    gates[2].release();
    await commits.flush();
    expect(sent).toHaveLength(3);
  });

  it('keeps going after a failed commit, and reports it', async () => {
    const { sent, gates, commit, tick } = gatedCommits();
    const errors: Array<[number, string, unknown]> = [];
    const commits = new OffsetCommits(commit, (p, o, e) => errors.push([p, o, e]));
    const refused = new Error('REBALANCE_IN_PROGRESS');
    commits.request(1, '5');
    commits.request(1, '6');
    gates[0].fail(refused);
    await tick();
    expect(errors).toEqual([[1, '5', refused]]);
    expect(sent).toEqual([
      [1, '5'],
      [1, '6'],
    ]);
    gates[1].release();
    await commits.flush();
  });

  it('drops the offset waiting for a partition that was moved back', async () => {
    const { sent, gates, commit } = gatedCommits();
    const commits = new OffsetCommits(commit, () => undefined);
    commits.request(2, '100');
    commits.request(2, '200');
    commits.drop(2);
    gates[0].release();
    await commits.flush();
    expect(sent).toEqual([[2, '100']]);
  });

  it('flush waits for the commits in flight and for those waiting behind them', async () => {
    const { sent, gates, commit, tick } = gatedCommits();
    const commits = new OffsetCommits(commit, () => undefined);
    commits.request(0, '1');
    commits.request(0, '2');
    let flushed = false;
    const flushing = commits.flush().then(() => (flushed = true));
    gates[0].release();
    await tick();
    expect(flushed).toBe(false);
    expect(sent).toEqual([
      [0, '1'],
      [0, '2'],
    ]);
    gates[1].release();
    await flushing;
    expect(flushed).toBe(true);
    // Nothing in flight: resolves at once.
    await commits.flush();
  });
});
