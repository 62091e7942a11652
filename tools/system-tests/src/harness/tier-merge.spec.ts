import { mergeSeriesTiers, type WindowTiers } from './tier-merge';

const W = 60_000;
const chunk = (points: Array<[number, number]>) => ({ timestamps: points.map((p) => p[0]), values: points.map((p) => p[1]) });
const window = (start: number, parts: Partial<WindowTiers>): WindowTiers => ({ start, sealing: new Map(), open: new Map(), ...parts });

describe('mergeSeriesTiers', () => {
  it('layers the tiers per timestamp: o over f over c over DynamoDB', () => {
    const merged = mergeSeriesTiers(
      [
        window(W, {
          warm: chunk([[W, 1], [W + 1000, 1], [W + 2000, 1], [W + 3000, 1]]),
          packed: chunk([[W + 1000, 2], [W + 2000, 2], [W + 3000, 2]]),
          sealing: new Map([[2000, 3], [3000, 3]]),
          open: new Map([[3000, 4], [4000, 4]]),
        }),
      ],
      W,
    );
    expect([...merged.union].sort((a, b) => a[0] - b[0])).toEqual([[W, 1], [W + 1000, 2], [W + 2000, 3], [W + 3000, 4], [W + 4000, 4]]);
    expect([...merged.warm]).toEqual([[W, 1], [W + 1000, 1], [W + 2000, 1], [W + 3000, 1]]);
    expect(merged.anomalies).toEqual([]);
  });

  it('reports a timestamp twice in a chunk and a point outside its window', () => {
    const merged = mergeSeriesTiers([window(0, { warm: chunk([[5, 1], [5, 2]]), open: new Map([[W, 9]]) })], W);
    expect(merged.anomalies).toEqual([
      'dynamodb: timestamp 5 twice in the chunk of window 0',
      `redis hash: timestamp ${W} outside window [0, ${W})`,
    ]);
  });
});
