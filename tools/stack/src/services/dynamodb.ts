import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkDynamoDb, createDynamoDb, ensureWarmTable, hasLegacyArchiveIndex } from '@strata/storage/warm';
import { StackError } from '../errors';
import { whichSync } from '../exec';
import { copyArtifact, copyDependencies, type MavenArtifact } from '../maven';
import { countFiles, installAtomically, isInstalledAs } from './install-marker';
import type { ServiceContext, StackService } from './service';

/**
 * Newest 2.x on Maven Central when pinned. Its classes target Java 17 (class file 61),
 * so it needs a Java 17+ runtime. It has no host option: it listens on every interface.
 */
export const DYNAMODB_LOCAL_VERSION = '2.6.1';

const ARTIFACT: MavenArtifact = { groupId: 'com.amazonaws', artifactId: 'DynamoDBLocal', version: DYNAMODB_LOCAL_VERSION };

/** sqlite4java ships its JNI library as a separate artifact of type `so`, versioned with the jar. */
export function sqlite4javaVersion(jarNames: readonly string[]): string | undefined {
  for (const name of jarNames) {
    const match = /^sqlite4java-(\d[\w.-]*)\.jar$/.exec(name);
    if (match) return match[1];
  }
  return undefined;
}

export function dynamodbService(ctx: ServiceContext): StackService {
  const { config, paths } = ctx;
  const jarsDir = path.join(paths.jars, 'dynamodb');
  const nativeDir = path.join(jarsDir, 'native');
  const dataDir = path.join(paths.data, 'dynamodb');
  const runDir = path.join(paths.run, 'dynamodb');
  const endpoint = `http://${config.host}:${config.dynamodb.port}`;
  const fingerprint = `${ARTIFACT.groupId}:${ARTIFACT.artifactId}:${ARTIFACT.version}`;
  const client = () => createDynamoDb({ endpoint, region: 'us-east-1', maxAttempts: 1 });

  return {
    name: 'dynamodb',
    ports: [config.dynamodb.port],
    endpoint,
    clientEnv: { STRATA_DYNAMODB_ENDPOINT: endpoint },
    systemRequirements: [
      { command: 'java', aptPackage: 'openjdk-17-jre-headless' },
      { command: 'mvn', aptPackage: 'maven' },
    ],
    installLane: 'maven',
    isInstalled: () => isInstalledAs(jarsDir, fingerprint),
    async install() {
      if (process.platform !== 'linux' || process.arch !== 'x64') {
        throw new StackError(`dynamodb: sqlite4java has no native library for ${process.platform}-${process.arch} here; only linux-x64 is supported`);
      }
      const run = {
        mvn: whichSync('mvn', ctx.env['PATH']) ?? 'mvn',
        pomDir: path.join(paths.jars, '.poms', 'dynamodb'),
        logFile: path.join(paths.logs, 'install-dynamodb.log'),
        env: ctx.env,
      };
      let sqliteVersion = '';
      await installAtomically(jarsDir, fingerprint, async (dir) => {
        await copyDependencies(run, 'dynamodb', [ARTIFACT], dir, ['jar']);
        const version = sqlite4javaVersion(fs.readdirSync(dir));
        if (version === undefined) throw new StackError(`dynamodb: no sqlite4java jar among DynamoDBLocal ${DYNAMODB_LOCAL_VERSION}'s dependencies`);
        sqliteVersion = version;
        await copyArtifact(
          run,
          'dynamodb-native',
          { groupId: 'com.almworks.sqlite4java', artifactId: 'libsqlite4java-linux-amd64', version, type: 'so' },
          path.join(dir, 'native'),
        );
      });
      return `DynamoDB Local ${DYNAMODB_LOCAL_VERSION} (${countFiles(jarsDir, '.jar')} jars, sqlite4java ${sqliteVersion} native library)`;
    },
    async prepare() {
      fs.mkdirSync(runDir, { recursive: true });
      if (!config.dynamodb.inMemory) fs.mkdirSync(dataDir, { recursive: true });
    },
    launchSpec: () => ({
      command: whichSync('java', ctx.env['PATH']) ?? 'java',
      args: [
        '-Xmx512m',
        `-Djava.library.path=${nativeDir}`,
        '-cp',
        `${jarsDir}/*`,
        'com.amazonaws.services.dynamodbv2.local.main.ServerRunner',
        ...(config.dynamodb.inMemory ? ['-inMemory'] : ['-dbPath', dataDir]),
        // One database for every access key and region: clients with other dummy keys see the same tables.
        '-sharedDb',
        '-disableTelemetry',
        '-port',
        String(config.dynamodb.port),
      ],
      cwd: runDir,
      env: ctx.env,
      logFile: path.join(paths.logs, 'dynamodb.log'),
    }),
    async probe() {
      const c = client();
      try {
        await checkDynamoDb(c);
      } finally {
        c.destroy();
      }
    },
    async provision() {
      const c = createDynamoDb({ endpoint, region: 'us-east-1' });
      try {
        const { created } = await ensureWarmTable(c, config.dynamodb.table);
        // A table from before the day index keeps its archive-day GSI: nothing writes its key
        // any more, and the archiver still reads it for the chunks written before.
        const legacy = !created && (await hasLegacyArchiveIndex(c, config.dynamodb.table));
        return [`table ${config.dynamodb.table} (${created ? 'created' : 'exists'}${legacy ? '; legacy archive-day index left in place' : ''})`];
      } finally {
        c.destroy();
      }
    },
  };
}
