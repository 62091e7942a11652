// The testcontainers stack: the local stack's services as containers that the
// `testcontainers` package starts through a Docker-compatible API (tools/bin/testcontainers.sh
// starts podman's and sets DOCKER_HOST). Not required by anything; see docs/testing.md.
import type { StackLogger } from '../logger';
import { containerStackClientEnv, listStackContainers, startContainerStack, stopContainerStack } from './container-stack';
import { runCli } from '../run-cli';

const USAGE = `usage: testcontainers-stack <command>

  up       start Kafka, Redis, DynamoDB Local and S3 as containers, wait until ready,
           create topic/table/bucket
  down     stop and remove this checkout's containers
  status   this checkout's containers (exit 3 when there are none)
  env      the client settings as shell exports, as \`stack env\` prints them

settings: DOCKER_HOST, TESTCONTAINERS_RYUK_DISABLED, STRATA_STACK_*_PORT (defaults: the
          local stack's ports plus 20000), and the other STRATA_STACK_* of \`stack\`
`;

const out = (line: string) => process.stdout.write(`${line}\n`);
const logger: StackLogger = { info: (line) => process.stderr.write(`${line}\n`), warn: (line) => process.stderr.write(`warning: ${line}\n`) };

async function main([command]: string[]): Promise<number> {
  const options = { env: process.env, logger };
  switch (command) {
    case 'up': {
      const t0 = Date.now();
      const { services } = await startContainerStack(options);
      logger.info(`testcontainers stack is up in ${((Date.now() - t0) / 1000).toFixed(1)} s:`);
      for (const s of services) logger.info(`  ${s.name.padEnd(9)} ${s.containerId.slice(0, 12)} ready in ${s.readyMs} ms  ${s.endpoint}  ${s.provisioned.join('; ')}`);
      return 0;
    }
    case 'down': {
      const removed = await stopContainerStack(options);
      logger.info(removed.length === 0 ? 'testcontainers stack: no containers' : `removed ${removed.join(', ')}`);
      return 0;
    }
    case 'status': {
      const containers = await listStackContainers(options);
      for (const c of containers) out(`${c.name.padEnd(28)} ${c.state.padEnd(10)} ${c.id.slice(0, 12)}`);
      return containers.length > 0 ? 0 : 3;
    }
    case 'env': {
      for (const [key, value] of Object.entries(containerStackClientEnv(options))) out(`export ${key}=${value}`);
      return 0;
    }
    default:
      process.stderr.write(USAGE);
      return 2;
  }
}

runCli(main);
