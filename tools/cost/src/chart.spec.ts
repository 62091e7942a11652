import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseChartRequests } from './chart';
import { CostDataError } from './errors';

describe('parseChartRequests', () => {
  it("reads every app's replicas and CPU request from the chart", () => {
    const file = resolve(__dirname, '../../../charts/strata/values.yaml');
    const { apps } = parseChartRequests(file, readFileSync(file, 'utf8'));
    expect(Object.keys(apps).sort()).toEqual(['archiver', 'ingest', 'prober', 'reader', 'writer']);
    for (const app of Object.values(apps)) {
      expect(app.replicas).toBeGreaterThanOrEqual(1);
      expect(app.cpu).toBeGreaterThan(0);
    }
  });

  it('reads millicores and whole cores, past comments', () => {
    const block = (app: string, cpu: string) => `${app}:\n  # -- replicas\n  replicas: 3\n  resources:\n    requests:\n      memory: 1Gi\n      cpu: ${cpu}\n    limits:\n      cpu: 4\n`;
    const text = ['ingest', 'writer', 'reader', 'archiver'].map((a) => block(a, '250m')).join('') + block('prober', '1.5');
    const { apps } = parseChartRequests('v.yaml', text);
    expect(apps['ingest']).toEqual({ replicas: 3, cpu: 0.25 });
    expect(apps['prober']).toEqual({ replicas: 3, cpu: 1.5 });
  });

  it('names the app it cannot find', () => {
    expect(() => parseChartRequests('v.yaml', 'ingest:\n  replicas: 1\n')).toThrow(CostDataError);
    expect(() => parseChartRequests('v.yaml', 'ingest:\n  replicas: 1\n')).toThrow(/ingest/);
  });
});
