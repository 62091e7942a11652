import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import type { ComponentView, ProbeRecord } from './dashboard-contract';
import { buildDashboardState } from './dashboard-state';
import { ProbeHistory } from './probe-history';

// The page and the server agree when the browser script reads only the contract's types,
// type-checks against them, and the state the server builds reaches the page unchanged
// through JSON.

const ASSETS = join(__dirname, '..', 'assets');

/** The compiler's complaints about the browser script, with its own settings (assets/tsconfig.json). */
function browserScriptDiagnostics(): string {
  const configPath = join(ASSETS, 'tsconfig.json');
  const { config, error } = ts.readConfigFile(configPath, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, dirname(configPath));
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  return ts.formatDiagnostics(ts.getPreEmitDiagnostics(program), {
    getCanonicalFileName: (name) => name,
    getCurrentDirectory: () => ASSETS,
    getNewLine: () => '\n',
  });
}

describe('dashboard contract', () => {
  it('the browser script declares no shape of its own: every typedef imports the contract', () => {
    const script = readFileSync(join(ASSETS, 'dashboard.js'), 'utf8');
    const typedefs = [...script.matchAll(/@typedef\s+\{(.*?)\}\s+(\w+)/g)];
    expect(typedefs.length).toBeGreaterThan(0);
    for (const [, type, name] of typedefs) expect({ name, type }).toEqual({ name, type: `import('../src/dashboard-contract').${name}` });
  });

  it('the browser script type-checks against the contract', () => {
    expect(browserScriptDiagnostics()).toBe('');
  });

  it('every field of a fully populated state reaches the page unchanged through JSON', () => {
    const now = 10_000_000;
    const history = new ProbeHistory({ retentionMs: 3_600_000, maxEntries: 100 });
    const ok: ProbeRecord = { t: now - 20_000, tenant: 'a', result: 'ok', ms: 12.5, writeAttempts: 1, readAttempts: 3 };
    const failed: ProbeRecord = { t: now - 10_000, tenant: 'b', result: 'read_error', ms: 3_000, writeAttempts: 1, readAttempts: 9, stage: 'read', message: 'UNAVAILABLE' };
    [ok, failed].forEach((record) => history.add(record));
    const component: ComponentView = {
      name: 'reader',
      opsUrl: 'http://127.0.0.1:9002',
      ready: false,
      problems: ['redis: down'],
      checkedAt: now,
      figures: [{ key: 'p99', label: 'Read p99', value: null, text: '–', level: 'warn', spark: [null, 1.5, 2] }],
      metricsProblem: '/metrics answered 503',
    };
    const state = buildDashboardState({
      config: {
        probe: { intervalMs: 10_000, timeoutMs: 30_000, rpcTimeoutMs: 5_000, instanceId: 'p-1', selfReport: true },
        tenants: [
          { tenant: 'a', apiKey: 'key-a' },
          { tenant: 'b', apiKey: 'key-b' },
        ],
        historyMs: 3_600_000,
        ingestAddress: '127.0.0.1:7001',
        readerAddress: '127.0.0.1:7002',
      },
      history,
      components: [component],
      nowMs: now,
    });
    expect(state.quantiles.points.length).toBeGreaterThan(0);
    // toStrictEqual also tells an undefined field from a missing one, which JSON does not keep.
    expect(JSON.parse(JSON.stringify(state))).toStrictEqual(state);
  });
});
