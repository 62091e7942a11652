import { summariseProfile, type CpuProfile } from './cpu-profile';

const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });

describe('summariseProfile', () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(idle)', '') },
      { id: 2, callFrame: frame('(garbage collector)', '') },
      { id: 3, callFrame: frame('encode', '/app/node_modules/kafkajs/src/protocol/encoder.js', 9) },
      { id: 4, callFrame: frame('append', 'file:///repo/dist/apps/writer/main.js', 41) },
      { id: 5, callFrame: frame('Command', '/app/node_modules/ioredis/built/Command.js', 35) },
      { id: 6, callFrame: frame('processChunk', 'node:zlib', 478) },
      { id: 7, callFrame: frame('somethingElse', 'node:events') },
    ],
    // Microseconds between samples; a sample's time is charged to the node on top of the stack.
    samples: [1, 2, 2, 3, 4, 4, 4, 5, 6, 7, 1],
    timeDeltas: [5_000, 1_000, 1_000, 2_000, 3_000, 3_000, 3_000, 1_500, 500, 250, 9_000],
  };

  it('charges busy time to the code that spent it, idle left out, largest first', () => {
    const summary = summariseProfile(profile, 3);
    expect(summary.busyMs).toBeCloseTo(15.25);
    expect(summary.categories).toEqual([
      { name: 'Strata', ms: 9 },
      { name: 'garbage collection', ms: 2 },
      { name: 'kafkajs', ms: 2 },
      { name: 'ioredis', ms: 1.5 },
      { name: 'zlib', ms: 0.5 },
      { name: 'other', ms: 0.25 },
    ]);
    expect(summary.functions.map((f) => [f.name, f.ms])).toEqual([
      ['append writer/main.js:42', 9],
      ['(garbage collector) :1', 2],
      ['encode protocol/encoder.js:10', 2],
    ]);
  });
});
