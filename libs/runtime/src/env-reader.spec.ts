import { ConfigError } from './errors';
import { EnvReader } from './env-reader';
import { readServiceConfig } from './service-config';

describe('EnvReader', () => {
  it.each([
    ['int', { N: '42' }, (r: EnvReader) => r.int('N', 1), 42],
    ['int fallback when unset', {}, (r: EnvReader) => r.int('N', 7), 7],
    ['int fallback when blank', { N: '  ' }, (r: EnvReader) => r.int('N', 7), 7],
    ['bool yes', { B: 'yes' }, (r: EnvReader) => r.bool('B', false), true],
    ['bool 0', { B: '0' }, (r: EnvReader) => r.bool('B', true), false],
    ['list trims and drops blanks', { L: ' a, b ,,c ' }, (r: EnvReader) => r.list('L', []), ['a', 'b', 'c']],
    ['oneOf', { E: 'debug' }, (r: EnvReader) => r.oneOf('E', ['info', 'debug'], 'info'), 'debug'],
  ])('reads %s', (_case, env, read, expected) => {
    const reader = new EnvReader(env);
    expect(read(reader)).toEqual(expected);
    expect(() => reader.finish()).not.toThrow();
  });

  it('reports every bad variable at once, by name', () => {
    const reader = new EnvReader({ PORT: '70000', RETRIES: 'three', FLAG: 'maybe', MODE: 'x' });
    reader.port('PORT', 1);
    reader.int('RETRIES', 1);
    reader.bool('FLAG', false);
    reader.oneOf('MODE', ['a', 'b'], 'a');
    reader.string('REQUIRED');
    let thrown: unknown;
    try {
      reader.finish();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).problems).toEqual([
      'PORT=70000 is above the maximum 65535',
      'RETRIES="three" is not an integer',
      'FLAG="maybe" is not a boolean (true/false)',
      'MODE="x" is not one of a, b',
      'REQUIRED is required',
    ]);
  });

  it('rejects fractional and unsafe integers', () => {
    const reader = new EnvReader({ A: '1.5', B: '9007199254740993' });
    reader.int('A', 0);
    reader.int('B', 0);
    expect(() => reader.finish()).toThrow(/A="1.5" is not an integer[\s\S]*B="9007199254740993" is not an integer/);
  });
});

describe('readServiceConfig', () => {
  it('uses the fixed defaults and loopback', () => {
    const reader = new EnvReader({});
    expect(readServiceConfig(reader, { grpcPort: 7001, opsPort: 9001 })).toEqual({
      host: '127.0.0.1',
      grpcPort: 7001,
      opsPort: 9001,
      logLevel: 'info',
      shutdownGraceMs: 10_000,
    });
  });

  it('takes overrides from the environment', () => {
    const reader = new EnvReader({ STRATA_BIND_HOST: '0.0.0.0', STRATA_GRPC_PORT: '17001', STRATA_LOG_LEVEL: 'debug' });
    const config = readServiceConfig(reader, { grpcPort: 7001, opsPort: 9001 });
    reader.finish();
    expect(config).toMatchObject({ host: '0.0.0.0', grpcPort: 17001, logLevel: 'debug' });
  });
});
