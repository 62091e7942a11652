// Reading V8 CPU profiles (`node --cpu-prof`): where a process' CPU time went, by the code
// that spent it. Self time only: each sample is charged to the function on top of the stack.

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
}

/** The parts of a `.cpuprofile` file read here. */
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Code that CPU time is charged to, first match wins; the rest is `other`. */
const CATEGORIES: ReadonlyArray<readonly [string, (frame: CallFrame) => boolean]> = [
  ['idle', (f) => f.functionName === '(idle)'],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['kafkajs', (f) => f.url.includes('/kafkajs/')],
  ['ioredis', (f) => /\/(ioredis|redis-parser|denque)\//.test(f.url)],
  ['zlib', (f) => f.url === 'node:zlib'],
  ['protobuf runtime', (f) => /\/(@bufbuild|protobufjs|@protobufjs)\//.test(f.url)],
  ['AWS SDK', (f) => /\/(@aws-sdk|@smithy)\//.test(f.url)],
  ['gRPC and HTTP', (f) => /\/@grpc\/|^node:(_?http|internal\/http|net|internal\/net)/.test(f.url)],
  ['Strata', (f) => /\/dist\/apps\//.test(f.url)],
  ['Node buffers and natives', (f) => f.url === '' || /^node:(buffer|internal\/buffer)/.test(f.url)],
];

export interface ProfileSummary {
  /** Milliseconds of samples not idle. */
  readonly busyMs: number;
  /** Busy milliseconds per category, largest first. */
  readonly categories: ReadonlyArray<{ readonly name: string; readonly ms: number }>;
  /** The functions with the most self time, largest first. */
  readonly functions: ReadonlyArray<{ readonly name: string; readonly ms: number }>;
}

export function summariseProfile(profile: CpuProfile, topFunctions = 12): ProfileSummary {
  const msByNode = new Map<number, number>();
  profile.samples.forEach((id, i) => msByNode.set(id, (msByNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1_000));
  const categories = new Map<string, number>();
  const functions = new Map<string, number>();
  let busyMs = 0;
  for (const node of profile.nodes) {
    const ms = msByNode.get(node.id) ?? 0;
    if (ms === 0) continue;
    const f = node.callFrame;
    const category = CATEGORIES.find(([, matches]) => matches(f))?.[0] ?? 'other';
    if (category === 'idle') continue;
    busyMs += ms;
    categories.set(category, (categories.get(category) ?? 0) + ms);
    const name = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + ms);
  }
  const sorted = (m: Map<string, number>) => [...m].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
  return { busyMs, categories: sorted(categories), functions: sorted(functions).slice(0, topFunctions) };
}
