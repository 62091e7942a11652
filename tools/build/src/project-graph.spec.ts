import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

// A pipeline that runs `nx affected` (.github/workflows/ci.yml) tests a change only in the
// projects the project graph says it affects. A dependency that goes missing (a tool that
// stops depending on the app it drives) lets a breaking change through untested; an input
// that is too broad (a glob over the whole tree) makes every change run everything. So the
// sets a reviewer expects are written out here by hand, each member with its reason, and
// compared with what Nx computes, through the command a pipeline runs.
//
// This project's `test` target is never cached: its result depends on every project's
// configuration and imports, and an input that covered them all would make every change
// affect this project. The pipeline runs it on every change for the same reason.

const workspace = resolve(__dirname, '../../..');
const nx = require.resolve('nx/bin/nx.js', { paths: [workspace] });
const run = promisify(execFile);

interface Change {
  /** A file that exists, so that a case about a file that has moved fails instead of testing nothing. */
  file: string;
  /** Every project that must run for it, and no other. */
  affects: readonly string[];
}

const CHANGES: readonly Change[] = [
  {
    file: 'apps/reader/src/main.ts',
    affects: [
      'reader',
      'bench', // the read benchmark drives the reader
      'system-tests', // runs all four services and faults them
      'launcher', // `npm start` runs every service
      'e2e-prober', // its integration specs run the reader's bundle
      'chart', // its test checks that dashboards and rules name metrics the apps export
      'cost', // through the chart, whose values (replicas, CPU requests) its bill reads
    ],
    // Not writer, ingest, archiver: apps never depend on one another's code.
  },
  {
    file: 'apps/archiver/src/main.ts',
    affects: [
      'archiver',
      'reader', // its cold-read integration spec archives days with the archiver's bundle
      'e2e-prober',
      'system-tests',
      'launcher',
      'bench',
      'chart',
      'cost',
    ],
  },
  {
    // The chart is deployed, never imported: only the cost model reads it (each app's
    // replicas and CPU request are compute lines of the bill).
    file: 'charts/strata/values.yaml',
    affects: ['chart', 'cost'],
  },
  {
    // The public contract: every project that imports the generated code, directly or
    // through a lib, and only those. The model lib holds plain types and imports no proto.
    file: 'libs/proto/proto/strata/v1/strata.proto',
    affects: [
      'proto',
      'runtime',
      'stream',
      'storage',
      'prometheus',
      'promql', // through prometheus, whose string unquoting its parser uses
      'ingest',
      'writer',
      'reader',
      'archiver',
      'e2e-prober',
      'stack',
      'launcher',
      'system-tests',
      'bench',
      'cluster', // provisions the cluster's Kafka, DynamoDB and S3 through libs/stack
      'cost', // reads the tiers' settings through their readers in libs/storage
    ],
  },
  {
    // The chart's test checks that every alert has its runbook entry here.
    file: 'docs/operations.md',
    affects: ['chart', 'cost'], // cost through the chart, as above
  },
  {
    // Prose that no test reads runs nothing.
    file: 'README.md',
    affects: [],
  },
];

/** The projects `nx affected` would run for a change to `file` alone. */
async function affectedBy(file: string): Promise<string[]> {
  const { stdout } = await run(process.execPath, [nx, 'show', 'projects', '--affected', `--files=${file}`, '--json'], {
    cwd: workspace,
    env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true' },
  });
  return (JSON.parse(stdout) as string[]).sort();
}

describe('the projects a change affects (nx show projects --affected)', () => {
  it.each(CHANGES)('$file', async ({ file, affects }) => {
    expect(existsSync(join(workspace, file))).toBe(true);
    expect(await affectedBy(file)).toEqual([...affects].sort());
  }, 60_000);
});
