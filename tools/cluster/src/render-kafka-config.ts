// Writes the Kafka image's server.properties with the local stack's own renderer, so the
// broker in the cluster runs with the settings the stack's broker runs with. Usage:
//   tsx tools/cluster/src/render-kafka-config.ts <dir>
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderServerProperties } from '@strata/stack';

const dir = process.argv[2];
if (!dir) throw new Error('usage: render-kafka-config.ts <dir>');
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(path.join(dir, 'server.properties'), renderServerProperties({ host: '0.0.0.0', port: 9092, controllerPort: 9093, logDir: '/data' }));
// In a container the broker logs to stdout, where `kubectl logs` finds it.
fs.writeFileSync(
  path.join(dir, 'log4j.properties'),
  [
    'log4j.rootLogger=INFO, stdout',
    'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
    'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
    'log4j.logger.kafka.request.logger=WARN',
    'log4j.logger.org.apache.kafka.clients=WARN',
    '',
  ].join('\n'),
);
