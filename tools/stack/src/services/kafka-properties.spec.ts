import { newKafkaClusterId, renderLog4jProperties, renderServerProperties } from './kafka-properties';

const parse = (text: string) =>
  Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

describe('renderServerProperties', () => {
  const props = parse(renderServerProperties({ host: '127.0.0.1', port: 19092, controllerPort: 19093, logDir: '/c/data/kafka' }));

  it('is a combined KRaft broker and controller on loopback, on the configured ports', () => {
    expect(props).toMatchObject({
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': '1@127.0.0.1:19093',
      listeners: 'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:19092',
      'controller.listener.names': 'CONTROLLER',
      'log.dirs': '/c/data/kafka',
    });
  });

  it('fits one node: every replication factor and min ISR is 1, and topics are only created on purpose', () => {
    expect(props).toMatchObject({
      'default.replication.factor': '1',
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'min.insync.replicas': '1',
      'auto.create.topics.enable': 'false',
    });
  });

  it('has no key twice', () => {
    const keys = renderServerProperties({ host: 'h', port: 1, controllerPort: 2, logDir: '/d' })
      .split('\n')
      .filter((l) => l.includes('=') && !l.startsWith('#'))
      .map((l) => l.split('=')[0]);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('renderLog4jProperties', () => {
  it('logs to files under kafka.logs.dir, not to stdout', () => {
    const text = renderLog4jProperties();
    expect(text).toContain('log4j.appender.server.File=${kafka.logs.dir}/server.log');
    expect(text).not.toContain('ConsoleAppender');
  });
});

describe('newKafkaClusterId', () => {
  it('is 16 bytes in unpadded base64url (22 chars), as Kafka Uuids are', () => {
    expect(newKafkaClusterId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(newKafkaClusterId(() => Buffer.alloc(16, 0xab))).toBe(Buffer.alloc(16, 0xab).toString('base64url'));
  });

  it('draws again rather than start with "-", which the format command would read as a flag', () => {
    const draws = [Buffer.from('f8' + '00'.repeat(15), 'hex'), Buffer.alloc(16, 1)];
    expect(Buffer.from('f8' + '00'.repeat(15), 'hex').toString('base64url').startsWith('-')).toBe(true);
    expect(newKafkaClusterId(() => draws.shift()!)).toBe(Buffer.alloc(16, 1).toString('base64url'));
  });
});
