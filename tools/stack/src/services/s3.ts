import * as fs from 'node:fs';
import * as path from 'node:path';
import { LOCAL_DUMMY_CREDENTIALS } from '@strata/storage';
import { checkS3, createS3, ensureBucket } from '@strata/storage/cold';
import { StackError } from '../errors';
import { runCommand, whichSync } from '../exec';
import { installAtomically, isInstalledAs } from './install-marker';
import type { ServiceContext, StackService } from './service';

/**
 * The S3-compatible server is Versity's S3 gateway (versitygw) with its posix backend: every
 * object is a plain file under `data/s3/<bucket>/<key>`, so the cold tier survives `down`/`up`
 * and a SIGKILL. moto (the server before it) keeps objects in memory only, and has no disk
 * backend to switch on; s3rver breaks on paginated listings and aws-chunked uploads; MinIO
 * and SeaweedFS ship no binaries to a registry this project may use and are far heavier to
 * build. versitygw is built from the Go module proxy with `go install`, one static binary.
 *
 * Pinned exactly: the storage specs assert exact S3 behaviour (ranges, continuation tokens,
 * CRC32 checksum trailers the AWS SDK v3 sends by default), and 1.8.0 is the newest the
 * proxy served at pinning time that passes them. Its go.mod asks for Go 1.25.
 */
export const VERSITYGW_MODULE = 'github.com/versity/versitygw/cmd/versitygw';
export const VERSITYGW_VERSION = 'v1.8.0';
export const MIN_GO_VERSION: readonly [number, number] = [1, 25];

/** `go1.26.8` (from `go env GOVERSION`) → [1, 26]; anything else (a devel build) → undefined. */
export function parseGoVersion(text: string): [number, number] | undefined {
  const match = /^go(\d+)\.(\d+)/.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

export function s3Service(ctx: ServiceContext): StackService {
  const { config, paths } = ctx;
  const binDir = path.join(paths.bin, 'versitygw');
  const binary = path.join(binDir, 'versitygw');
  // One folder per bucket below it; `down --wipe` deletes it like every service's data.
  const dataDir = path.join(paths.data, 's3');
  const runDir = path.join(paths.run, 's3');
  const endpoint = `http://${config.host}:${config.s3.port}`;
  const fingerprint = `${VERSITYGW_MODULE}@${VERSITYGW_VERSION} ${process.platform}-${process.arch}`;
  const client = (maxAttempts?: number) =>
    createS3({ endpoint, region: 'us-east-1', forcePathStyle: true, ...(maxAttempts !== undefined && { maxAttempts }) });

  return {
    name: 's3',
    ports: [config.s3.port],
    endpoint,
    clientEnv: { STRATA_S3_ENDPOINT: endpoint },
    // Go is not installed with apt: Debian 12's golang-go is 1.19, too old to build versitygw.
    systemRequirements: [],
    installLane: 'go',
    isInstalled: () => isInstalledAs(binDir, fingerprint) && fs.existsSync(binary),
    async install() {
      const logFile = path.join(paths.logs, 'install-s3.log');
      const go = whichSync('go', ctx.env['PATH']);
      const need = `Go ${MIN_GO_VERSION.join('.')}+`;
      if (go === undefined) {
        throw new StackError(`s3: the S3 server (versitygw ${VERSITYGW_VERSION}) is built with \`go install\` and needs ${need}; no \`go\` on PATH`);
      }
      // Only the toolchain found here builds it: no silent download of another Go.
      const goEnv = { ...ctx.env, GOTOOLCHAIN: 'local' };
      const { output } = await runCommand(go, ['env', 'GOVERSION'], { env: goEnv, logFile, timeoutMs: 30_000 });
      const version = parseGoVersion(output);
      if (version === undefined || version[0] < MIN_GO_VERSION[0] || (version[0] === MIN_GO_VERSION[0] && version[1] < MIN_GO_VERSION[1])) {
        throw new StackError(`s3: ${go} is ${output.trim() || 'of an unknown version'}; building versitygw ${VERSITYGW_VERSION} needs ${need}`);
      }
      await installAtomically(binDir, fingerprint, (dir) =>
        runCommand(go, ['install', `${VERSITYGW_MODULE}@${VERSITYGW_VERSION}`], {
          // Static (no C compiler needed) and free of this machine's paths.
          env: { ...goEnv, GOBIN: dir, CGO_ENABLED: '0', GOFLAGS: '-trimpath' },
          logFile,
        }).then(() => undefined),
      );
      return `versitygw ${VERSITYGW_VERSION} (S3, built with ${output.trim()}) in ${binDir}`;
    },
    async prepare() {
      fs.mkdirSync(runDir, { recursive: true });
      fs.mkdirSync(dataDir, { recursive: true });
    },
    launchSpec: () => ({
      command: binary,
      args: [
        // Requests are signed and checked: the one account is the dummy keys every Strata
        // client uses for a loopback endpoint.
        '--access', LOCAL_DUMMY_CREDENTIALS.accessKeyId,
        '--secret', LOCAL_DUMMY_CREDENTIALS.secretAccessKey,
        '--region', 'us-east-1',
        '--port', `${config.host}:${config.s3.port}`,
        // No line per request: the archiver's runs would fill the log.
        '--quiet',
        // Objects are written to an unnamed file and linked into place once complete, so a
        // PUT that was answered is a whole file, and a killed server leaves no torn object.
        // Metadata (ETag, checksums) lives in user xattrs: the data dir's filesystem needs them.
        'posix', dataDir,
      ],
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
