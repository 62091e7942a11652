// Waits for Strata's dependencies in the test cluster to serve, then creates what Strata
// needs in them (topic, table, bucket) with the local stack's own probes and provisioning,
// so the cluster's dependencies are checked and prepared exactly as the stack's are.
//   tsx tools/cluster/src/provision.ts kafka=<ip> redis=<ip> dynamodb=<ip> s3=<ip>
// Runs inside the cluster's network namespace, where Service addresses are reachable.
import { createServices, findRepoRoot, loadStackConfig, parseServiceNames, stackPaths, waitForReady } from '@strata/stack';

const READY_TIMEOUT_MS = 180_000;

async function main(args: string[]): Promise<void> {
  const root = findRepoRoot(__dirname);
  const log = (line: string) => process.stdout.write(`    ${line}\n`);
  const logger = { info: log, warn: (line: string) => process.stderr.write(`warning: ${line}\n`) };
  for (const arg of args) {
    const [name, host] = arg.split('=');
    if (!name || !host) throw new Error(`expected <service>=<address>, got ${arg}`);
    const config = { ...loadStackConfig(process.env, root), host };
    const [service] = createServices({ config, paths: stackPaths(config.cacheDir, config.stateDir), env: process.env, logger }, parseServiceNames([name]));
    const readyMs = await waitForReady({
      service: `${name} at ${host}`,
      probe: () => service!.probe(),
      // A pod that exits is restarted by its Deployment: keep asking until the deadline.
      isAlive: () => true,
      logFile: `kubectl -n strata-deps logs deployment/${name}`,
      timeoutMs: READY_TIMEOUT_MS,
      intervalMs: 1_000,
    });
    const made = await service!.provision();
    log(`${name} (${service!.endpoint}) ready in ${readyMs} ms: ${made.join('; ') || 'nothing to create'}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`provision: ${(error as Error).message}\n`);
  process.exit(1);
});
