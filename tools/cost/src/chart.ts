import { CostDataError } from './errors';

/** What the Helm chart asks for each app: replicas and CPU request (vCPU). */
export interface ChartRequests {
  readonly file: string;
  readonly apps: Readonly<Record<string, { readonly replicas: number; readonly cpu: number }>>;
}

const APPS = ['ingest', 'writer', 'reader', 'archiver', 'prober'] as const;

/**
 * Reads `replicas` and `resources.requests.cpu` of each app block from the chart's
 * values.yaml. Not a YAML parser: the chart keeps each app a top-level key whose block
 * has these two fields at fixed indents, which the chart's own schema test keeps so.
 */
export function parseChartRequests(file: string, text: string): ChartRequests {
  const apps: Record<string, { replicas: number; cpu: number }> = {};
  for (const app of APPS) {
    const start = text.search(new RegExp(`^${app}:\\s*$`, 'm'));
    if (start < 0) throw new CostDataError(file, `no top-level "${app}:" block`);
    const rest = text.slice(start + app.length + 1);
    const end = rest.search(/^\S/m);
    const block = end < 0 ? rest : rest.slice(0, end);
    const replicas = /^ {2}replicas: (\d+)\s*$/m.exec(block);
    const cpu = /^ {2}resources:\s*\n(?: {4}#.*\n)* {4}requests:\s*\n(?: {6}.*\n)*? {6}cpu: (\d+(?:\.\d+)?)(m?)\s*$/m.exec(block);
    if (!replicas || !cpu) throw new CostDataError(file, `${app}: no "replicas" or "resources.requests.cpu"`);
    apps[app] = { replicas: Number(replicas[1]), cpu: Number(cpu[1]) / (cpu[2] === 'm' ? 1_000 : 1) };
  }
  return { file, apps };
}
