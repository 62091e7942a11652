import * as path from 'node:path';
import * as fs from 'node:fs';
import { checkRedis, createRedis } from '@strata/storage/hot';
import { StackError } from '../errors';
import { whichSync } from '../exec';
import { tcpReachable } from '../readiness';
import type { ServiceContext, StackService } from './service';

/** Redis 7 from Debian's redis-server package, run as the stack's own process (never the system service). */
export function redisService(ctx: ServiceContext): StackService {
  const { config, paths } = ctx;
  const dataDir = path.join(paths.data, 'redis');
  const url = `redis://${config.host}:${config.redis.port}`;
  const redisServer = () => whichSync('redis-server', ctx.env['PATH']);

  return {
    name: 'redis',
    ports: [config.redis.port],
    endpoint: url,
    clientEnv: { STRATA_REDIS_URL: url },
    systemRequirements: [{ command: 'redis-server', aptPackage: 'redis-server' }],
    installLane: 'none',
    isInstalled: () => redisServer() !== undefined,
    async install() {
      // Installed through systemRequirements; nothing of its own to fetch.
      return 'redis-server';
    },
    async prepare() {
      fs.mkdirSync(dataDir, { recursive: true });
    },
    launchSpec() {
      const command = redisServer();
      if (command === undefined) throw new StackError('redis: redis-server is not on PATH');
      return {
        command,
        args: [
          '--bind', config.host,
          '--port', String(config.redis.port),
          // A cache of the log: nothing to persist, and no fork for snapshots on a small machine.
          '--save', '',
          '--appendonly', 'no',
          '--daemonize', 'no',
          '--dir', dataDir,
          // Keep argv as launched, so /proc/<pid>/cmdline proves the process is ours.
          '--set-proc-title', 'no',
        ],
        cwd: dataDir,
        env: ctx.env,
        logFile: path.join(paths.logs, 'redis.log'),
      };
    },
    async probe() {
      await tcpReachable(config.host, config.redis.port);
      const redis = createRedis({ url, reconnect: false, lazyConnect: true, maxRetriesPerRequest: 0, connectTimeoutMs: 1000 });
      redis.on('error', () => undefined); // a refused connection is an answer here, not noise
      try {
        await redis.connect();
        await checkRedis(redis);
      } finally {
        redis.disconnect();
      }
    },
    async provision() {
      return [];
    },
  };
}
