import { inspectPidRecord, readPidRecord } from './pidfile';
import { findPortHolder } from './port-check';
import { withTimeout } from './readiness';
import type { ServiceName } from './stack-config';
import { openStack, type StackOptions } from './stack-runtime';

export interface ServiceStatus {
  name: ServiceName;
  endpoint: string;
  /** running: ours and alive; stale: a pidfile without its process; stopped: no pidfile. */
  state: 'running' | 'stale' | 'stopped';
  pid?: number;
  ready: boolean;
  /** Why it is not ready, or who holds its port while it is stopped. */
  detail?: string;
}

/** One look at each service: pidfile, process, and a single readiness check. Changes nothing. */
export async function stackStatus(options: StackOptions): Promise<ServiceStatus[]> {
  const rt = openStack(options);
  return Promise.all(
    rt.services.map(async (service): Promise<ServiceStatus> => {
      const state = inspectPidRecord(readPidRecord(rt.files(service.name)), rt.table);
      const base = { name: service.name, endpoint: service.endpoint };
      if (state.kind === 'ours') {
        try {
          await withTimeout(service.probe(), 5000);
          return { ...base, state: 'running', pid: state.pid, ready: true };
        } catch (error) {
          return { ...base, state: 'running', pid: state.pid, ready: false, detail: (error as Error).message };
        }
      }
      if (state.kind !== 'none') {
        return { ...base, state: 'stale', pid: state.pid, ready: false, detail: `pid ${state.pid} is ${state.kind === 'stale-dead' ? 'not running' : 'another process'}` };
      }
      for (const port of service.ports) {
        const holder = await findPortHolder(port, rt.config.host);
        if (holder !== null) {
          return { ...base, state: 'stopped', ready: false, detail: `port ${port} held by ${holder.pid !== undefined ? `pid ${holder.pid} ${holder.command ?? ''}`.trim() : 'an unknown process'}` };
        }
      }
      return { ...base, state: 'stopped', ready: false };
    }),
  );
}
