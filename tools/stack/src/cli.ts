import { installStack, stackClientEnv, stackStatus, startStack, stopStack, type StackLogger } from './index';
import { parseServiceNames } from './stack-config';
import { runCli } from './run-cli';

const USAGE = `usage: stack <command> [service...] [--wipe]

  install   install what the services need and is missing (Kafka and DynamoDB Local jars,
            redis-server, versitygw for S3); starts nothing
  up        install, start what is not running, wait until ready, create topic/table/bucket
  down      stop what the stack started; --wipe also deletes their data
  status    pid and readiness of each service (exit 3 if any is not ready)
  env       the client settings for this stack as shell exports (eval "$(stack env)")

services: kafka redis dynamodb s3 (default: all)
settings: STRATA_CACHE_DIR, STRATA_STACK_{KAFKA,KAFKA_CONTROLLER,REDIS,DYNAMODB,S3}_PORT,
          STRATA_STACK_KAFKA_TOPIC, STRATA_STACK_KAFKA_PARTITIONS, STRATA_STACK_DYNAMODB_TABLE,
          STRATA_STACK_DYNAMODB_IN_MEMORY, STRATA_STACK_S3_BUCKET, STRATA_STACK_READY_TIMEOUT_MS,
          STRATA_STACK_STOP_TIMEOUT_MS
`;

const out = (line: string) => process.stdout.write(`${line}\n`);
const logger: StackLogger = { info: out, warn: (line) => process.stderr.write(`warning: ${line}\n`) };

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const flags = rest.filter((a) => a.startsWith('-'));
  const unknownFlags = flags.filter((f) => f !== '--wipe');
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    out(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (unknownFlags.length > 0 || (flags.includes('--wipe') && command !== 'down')) {
    process.stderr.write(`unknown option ${unknownFlags[0] ?? '--wipe'} for ${command}\n${USAGE}`);
    return 2;
  }
  const names = rest.filter((a) => !a.startsWith('-'));
  const options = { env: process.env, logger, ...(names.length > 0 && { services: parseServiceNames(names) }) };
  switch (command) {
    case 'install': {
      const report = await installStack(options);
      if (report.installed.length === 0) out('install: everything already installed');
      else out(`installed in ${(report.durationMs / 1000).toFixed(1)} s:\n${report.installed.map((l) => `  ${l}`).join('\n')}`);
      return 0;
    }
    case 'up': {
      const t0 = Date.now();
      const result = await startStack(options);
      out(`\nStrata local stack is up (${((Date.now() - t0) / 1000).toFixed(1)} s in total):`);
      for (const s of result.services) {
        const how = s.state === 'started' ? `started, ready in ${s.readyMs} ms` : 'already running';
        out(`  ${s.name.padEnd(9)} pid ${String(s.pid).padEnd(8)} ${how.padEnd(28)} ${s.endpoint}`);
      }
      out(`\nClient settings:\n${Object.entries(result.clientEnv).map(([k, v]) => `  export ${k}=${v}`).join('\n')}`);
      return 0;
    }
    case 'down': {
      await stopStack({ ...options, wipe: flags.includes('--wipe') });
      return 0;
    }
    case 'status': {
      const rows = await stackStatus(options);
      for (const r of rows) {
        const pid = r.pid !== undefined ? `pid ${r.pid}` : '-';
        const ready = r.ready ? 'ready' : 'not ready';
        out(`${r.name.padEnd(9)} ${r.state.padEnd(8)} ${pid.padEnd(12)} ${ready.padEnd(10)} ${r.endpoint}${r.detail ? `  (${r.detail})` : ''}`);
      }
      return rows.every((r) => r.ready) ? 0 : 3;
    }
    case 'env': {
      for (const [key, value] of Object.entries(stackClientEnv(options))) out(`export ${key}=${value}`);
      return 0;
    }
    default:
      process.stderr.write(`unknown command ${command}\n${USAGE}`);
      return 2;
  }
}

runCli(main);
