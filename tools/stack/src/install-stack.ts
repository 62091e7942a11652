import { installServices, type InstallReport } from './install';
import { withStackLock } from './stack-lock';
import { openStack, type StackOptions } from './stack-runtime';

/** Installs what the requested services need and is missing; starts nothing. */
export async function installStack(options: StackOptions): Promise<InstallReport> {
  const rt = openStack(options);
  return withStackLock({ lockFile: rt.lockFile, table: rt.table, logger: rt.logger }, () =>
    installServices(rt.services, { paths: rt.paths, env: rt.env, logger: rt.logger }),
  );
}
