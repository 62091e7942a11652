import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkKafka, createKafka, ensureTopic, type KafkaConfig } from '@strata/stream';
import { StackError } from '../errors';
import { runCommand, whichSync } from '../exec';
import { tcpReachable } from '../readiness';
import { copyDependencies, type MavenArtifact } from '../maven';
import { countFiles, installAtomically, isInstalledAs } from './install-marker';
import { newKafkaClusterId, renderLog4jProperties, renderServerProperties } from './kafka-properties';
import type { ServiceContext, StackService } from './service';

/** Newest 3.9.x on Maven Central when pinned; 3.9 is the last line with the Scala-based `kafka.Kafka` main. */
export const KAFKA_VERSION = '3.9.2';

const ARTIFACTS: readonly MavenArtifact[] = [
  { groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version: KAFKA_VERSION },
  // Kafka 3.9 logs through slf4j 1.7 → reload4j, as its own distribution does; the pom
  // leaves the binding to the application. reload4j pinned to the distribution's version.
  { groupId: 'org.slf4j', artifactId: 'slf4j-reload4j', version: '1.7.36' },
  { groupId: 'ch.qos.reload4j', artifactId: 'reload4j', version: '1.2.25' },
];

const JAVA_HEAP = ['-Xmx512m', '-Xms256m'];

export function kafkaService(ctx: ServiceContext): StackService {
  const { config, paths } = ctx;
  const jarsDir = path.join(paths.jars, 'kafka');
  const runDir = path.join(paths.run, 'kafka');
  const dataDir = path.join(paths.data, 'kafka');
  const logsDir = path.join(paths.logs, 'kafka');
  const serverProperties = path.join(runDir, 'server.properties');
  const log4jProperties = path.join(runDir, 'log4j.properties');
  const fingerprint = ARTIFACTS.map((a) => `${a.groupId}:${a.artifactId}:${a.version}`).join('\n');
  const broker = `${config.host}:${config.kafka.port}`;
  const java = () => whichSync('java', ctx.env['PATH']) ?? 'java';
  const jvmArgs = () => [
    ...JAVA_HEAP,
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${log4jProperties}`,
    `-Dkafka.logs.dir=${logsDir}`,
    '-cp',
    `${jarsDir}/*`,
  ];
  const clientConfig = (retries?: number): KafkaConfig => ({
    brokers: [broker],
    clientId: 'strata-stack',
    topic: config.kafka.topic,
    logLevel: 'nothing',
    connectionTimeoutMs: 1000,
    requestTimeoutMs: 5000,
    ...(retries !== undefined && { retry: { retries } }),
  });

  return {
    name: 'kafka',
    ports: [config.kafka.port, config.kafka.controllerPort],
    endpoint: broker,
    clientEnv: { STRATA_KAFKA_BROKERS: broker },
    systemRequirements: [
      { command: 'java', aptPackage: 'openjdk-17-jre-headless' },
      { command: 'mvn', aptPackage: 'maven' },
    ],
    installLane: 'maven',
    isInstalled: () => isInstalledAs(jarsDir, fingerprint),
    async install() {
      const logFile = path.join(paths.logs, 'install-kafka.log');
      await installAtomically(jarsDir, fingerprint, (dir) =>
        copyDependencies(
          { mvn: whichSync('mvn', ctx.env['PATH']) ?? 'mvn', pomDir: path.join(paths.jars, '.poms', 'kafka'), logFile, env: ctx.env },
          'kafka',
          ARTIFACTS,
          dir,
        ),
      );
      return `Apache Kafka ${KAFKA_VERSION} (${countFiles(jarsDir, '.jar')} jars)`;
    },
    async prepare() {
      fs.mkdirSync(runDir, { recursive: true });
      fs.mkdirSync(logsDir, { recursive: true });
      fs.writeFileSync(
        serverProperties,
        renderServerProperties({ host: config.host, port: config.kafka.port, controllerPort: config.kafka.controllerPort, logDir: dataDir }),
      );
      fs.writeFileSync(log4jProperties, renderLog4jProperties());
      if (!fs.existsSync(path.join(dataDir, 'meta.properties'))) {
        const clusterId = newKafkaClusterId();
        ctx.logger.info(`kafka: formatting KRaft storage in ${dataDir} (cluster ${clusterId})`);
        fs.mkdirSync(dataDir, { recursive: true });
        try {
          await runCommand(java(), [...jvmArgs(), 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', serverProperties], {
            cwd: runDir,
            env: ctx.env,
            logFile: path.join(paths.logs, 'kafka-format.log'),
            timeoutMs: 120_000,
          });
        } catch (error) {
          throw new StackError(`kafka: formatting storage failed: ${(error as Error).message}`);
        }
      }
    },
    launchSpec: () => ({
      command: java(),
      args: [...jvmArgs(), 'kafka.Kafka', serverProperties],
      cwd: runDir,
      env: ctx.env,
      logFile: path.join(paths.logs, 'kafka.log'),
    }),
    async probe() {
      await tcpReachable(config.host, config.kafka.port);
      // One attempt per probe: kafkajs's default retries would spend seconds on a broker still starting.
      const admin = createKafka(clientConfig(0)).admin({ retry: { retries: 0 } });
      try {
        await admin.connect();
        await checkKafka(admin, { probeTopicCreation: true });
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
    async provision() {
      const result = await ensureTopic(createKafka(clientConfig()), {
        topic: config.kafka.topic,
        partitions: config.kafka.partitions,
        replicationFactor: 1,
      });
      if (result.status === 'partition-mismatch') {
        ctx.logger.warn(
          `kafka: topic ${result.topic} has ${result.partitions} partitions, STRATA_STACK_KAFKA_PARTITIONS says ${result.expectedPartitions}; ` +
            `left as is (run \`down --wipe\` to recreate)`,
        );
      }
      return [`topic ${result.topic} (${result.partitions} partitions, ${result.status})`];
    },
  };
}
