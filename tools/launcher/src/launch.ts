/* eslint-disable no-console -- this is the terminal front end of `npm start` */
import { resolve } from 'node:path';
import { startStack, stopStack, type StackLogger } from '@strata/stack';
import { withProberKey } from './prober-key';
import { ServiceProcesses } from './service-processes';
import { SERVICES } from './services';

const workspace = resolve(__dirname, '../../..');
const cacheDir = process.env['STRATA_CACHE_DIR'] ?? resolve(workspace, '.cache');
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 15_000;

const logger: StackLogger = { info: (line) => console.log(line), warn: (line) => console.warn(line) };

async function main(): Promise<void> {
  const began = Date.now();
  console.log('==> starting the local stack (Kafka, Redis, DynamoDB Local, S3)');
  const stack = await startStack({ env: process.env, logger, repoRoot: workspace });
  let stopping: Promise<void> | undefined;
  const keys = withProberKey({ ...process.env, ...stack.clientEnv });
  const services = new ServiceProcesses({
    workspace,
    services: SERVICES,
    env: keys.env,
    logDir: resolve(cacheDir, 'logs'),
    onUnexpectedExit: (name, code, signal) =>
      void shutdown(`${name} exited unexpectedly (code ${code ?? '-'}, signal ${signal ?? '-'})`, 1),
  });

  const shutdown = (reason: string, code: number) => {
    stopping ??= (async () => {
      console.log(`\n==> ${reason}: stopping the services`);
      await services.stop(STOP_GRACE_MS);
      if (stack.started.length > 0) {
        console.log(`==> stopping what this run started: ${stack.started.join(', ')}`);
        await stopStack({ env: process.env, logger, repoRoot: workspace, services: stack.started });
      }
      const kept = stack.services.filter((s) => s.state === 'already-running').map((s) => s.name);
      if (kept.length > 0) console.log(`==> left running (started before this run): ${kept.join(', ')}`);
      console.log('==> stopped');
      process.exit(code);
    })();
    return stopping;
  };
  // `on`, not `once`: a terminal delivers Ctrl-C to npm and to this process, and npm passes
  // it on again; a second signal must not kill the launcher halfway through stopping.
  process.on('SIGINT', () => void shutdown('interrupted', 0));
  process.on('SIGTERM', () => void shutdown('terminated', 0));
  // npm does not pass SIGTERM on to the script it runs: when `npm start` is terminated, this
  // process is re-parented. Treat that as the signal it was meant to receive.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutdown('npm exited', 0);
  }, 500).unref();

  console.log('==> starting the Strata services');
  const started = await services.start(READY_TIMEOUT_MS).catch(async (error: Error) => {
    console.error(`!!! ${error.message}`);
    await shutdown('start-up failed', 1);
    throw error;
  });

  console.log('\nDependencies:');
  for (const s of stack.services) {
    console.log(`  ${s.name.padEnd(10)} ${s.endpoint.padEnd(28)} ${s.state === 'started' ? `ready in ${s.readyMs} ms` : 'already running'}`);
  }
  console.log('\nServices (gRPC health SERVING):');
  for (const s of started) {
    const http = s.http ? `   http API ${s.http}` : '';
    console.log(`  ${s.name.padEnd(10)} grpc ${s.grpc.padEnd(16)} ops ${s.ops.padEnd(22)} ready in ${s.startupMs} ms   log ${s.log}${http}`);
  }
  const usesDevKey = !process.env['STRATA_API_KEYS'];
  console.log(`
Dashboard:  http://127.0.0.1:9005/
Prober:     ${keys.generated ? `tenant ${keys.generated.tenant}, key ${keys.generated.key} (made for this run and added to STRATA_API_KEYS)` : usesDevKey ? 'the development key' : 'the key you gave (STRATA_PROBER_API_KEY / STRATA_PROBER_TENANTS)'}
Write:      grpcurl -plaintext -H 'x-api-key: ${usesDevKey ? 'strata-dev-key' : '<your key>'}' -d '{"series":[{"name":"demo.cpu","points":[{"timestamp_ms":'$(date +%s000)',"value":1}]}]}' 127.0.0.1:7001 strata.v1.IngestService/Write
Prometheus: remote_write url http://127.0.0.1:7101/api/v1/write with the key as bearer_token or basic_auth password (docs/prometheus.md)
Everything up in ${Date.now() - began} ms. Press Ctrl-C to stop.`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
