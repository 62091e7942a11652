import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkS3, createS3, ensureBucket } from '@strata/storage';
import { runCommand, whichSync } from '../exec';
import { aptInstall } from '../system-packages';
import { isInstalledAs, markInstalled } from './install-marker';
import type { ServiceContext, StackService } from './service';

/**
 * The S3-compatible server is moto's, from PyPI. s3rver breaks on paginated listings and
 * on streamed (aws-chunked) uploads, both of which the cold tier uses; MinIO's binaries are
 * not published to any registry this project may use. Pinned exactly because moto's S3
 * behaviour changes between releases (checksum trailers, listing edge cases) and the
 * storage specs assert exact responses; 5.2.5 is the newest at pinning time and accepts
 * the CRC32 trailing checksums that AWS SDK v3 sends on every upload by default.
 */
export const MOTO_VERSION = '5.2.5';

export function s3Service(ctx: ServiceContext): StackService {
  const { config, paths } = ctx;
  const venv = paths.venv;
  const python = path.join(venv, 'bin', 'python');
  const runDir = path.join(paths.run, 's3');
  const endpoint = `http://${config.host}:${config.s3.port}`;
  const fingerprint = `moto[server]==${MOTO_VERSION}`;
  const client = (maxAttempts?: number) =>
    createS3({ endpoint, region: 'us-east-1', forcePathStyle: true, ...(maxAttempts !== undefined && { maxAttempts }) });

  return {
    name: 's3',
    ports: [config.s3.port],
    endpoint,
    clientEnv: { STRATA_S3_ENDPOINT: endpoint },
    systemRequirements: [{ command: 'python3', aptPackage: 'python3-venv' }],
    installLane: 'python',
    isInstalled: () => isInstalledAs(venv, fingerprint) && fs.existsSync(path.join(venv, 'bin', 'moto_server')),
    async install() {
      const logFile = path.join(paths.logs, 'install-s3.log');
      const python3 = whichSync('python3', ctx.env['PATH']) ?? 'python3';
      // Built in place (a venv records its own path); the marker is written last, so an
      // interrupted install is redone from scratch.
      fs.rmSync(venv, { recursive: true, force: true });
      try {
        await runCommand(python3, ['-m', 'venv', venv], { env: ctx.env, logFile });
      } catch {
        // Debian's python3 lacks ensurepip until python3-venv is installed.
        await aptInstall(['python3-venv'], { logger: ctx.logger, logFile, env: ctx.env });
        fs.rmSync(venv, { recursive: true, force: true });
        await runCommand(python3, ['-m', 'venv', venv], { env: ctx.env, logFile });
      }
      await runCommand(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `moto[server]==${MOTO_VERSION}`], {
        env: ctx.env,
        logFile,
      });
      markInstalled(venv, fingerprint);
      return `moto ${MOTO_VERSION} (S3) in ${venv}`;
    },
    async prepare() {
      fs.mkdirSync(runDir, { recursive: true });
    },
    launchSpec: () => ({
      // The interpreter is named explicitly so /proc/<pid>/cmdline is exactly this argv.
      command: python,
      args: [path.join(venv, 'bin', 'moto_server'), '-H', config.host, '-p', String(config.s3.port)],
      cwd: runDir,
      env: ctx.env,
      logFile: path.join(paths.logs, 's3.log'),
    }),
    async probe() {
      const c = client(1);
      try {
        await checkS3(c);
      } finally {
        c.destroy();
      }
    },
    async provision() {
      const c = client();
      try {
        const { created } = await ensureBucket(c, config.s3.bucket);
        return [`bucket ${config.s3.bucket} (${created ? 'created' : 'exists'})`];
      } finally {
        c.destroy();
      }
    },
  };
}
