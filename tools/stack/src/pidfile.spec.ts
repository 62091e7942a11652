import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspectPidRecord, launchedDifferently, pidFiles, readPidRecord, removePidRecord, writePidRecord } from './pidfile';
import type { ProcessTable } from './process-supervisor';

const table = (processes: Record<number, string[]>): ProcessTable => ({
  isAlive: (pid) => pid in processes,
  cmdline: (pid) => processes[pid],
});

describe('pid records', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-pid-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('round-trips pid and argv, empty arguments included', () => {
    const files = pidFiles(dir, 'redis');
    const argv = ['/usr/bin/redis-server', '--save', '', '--port', '6379'];
    writePidRecord(files, { pid: 4242, argv });
    expect(fs.readFileSync(files.pidFile, 'utf8')).toBe('4242\n');
    expect(readPidRecord(files)).toEqual({ pid: 4242, argv });
    removePidRecord(files);
    expect(readPidRecord(files)).toBeUndefined();
  });

  it('reads a hand-written pidfile without a command line, and garbage as pid 0', () => {
    const files = pidFiles(dir, 'kafka');
    fs.writeFileSync(files.pidFile, '77\n');
    expect(readPidRecord(files)).toEqual({ pid: 77, argv: [] });
    fs.writeFileSync(files.pidFile, 'not a pid');
    expect(readPidRecord(files)?.pid).toBe(0);
  });
});

describe('inspectPidRecord', () => {
  const argv = ['/usr/bin/java', '-cp', '/c/jars/kafka/*', 'kafka.Kafka', '/c/run/kafka/server.properties'];

  it.each<[string, Parameters<typeof inspectPidRecord>[0], Record<number, string[]>, string]>([
    ['no pidfile', undefined, {}, 'none'],
    ['our process, alive, launched as recorded', { pid: 10, argv }, { 10: argv }, 'ours'],
    ['a dead process', { pid: 10, argv }, {}, 'stale-dead'],
    ['an unreadable pid', { pid: 0, argv }, {}, 'stale-dead'],
    ['the pid reused by something else', { pid: 10, argv }, { 10: ['/usr/bin/vim'] }, 'stale-foreign'],
    ['the same program with other arguments', { pid: 10, argv }, { 10: [...argv.slice(0, -1), '/other.properties'] }, 'stale-foreign'],
    ['a record without argv: ownership unprovable', { pid: 10, argv: [] }, { 10: argv }, 'stale-foreign'],
  ])('%s → %s', (_, record, processes, kind) => {
    expect(inspectPidRecord(record, table(processes)).kind).toBe(kind);
  });
});

describe('launchedDifferently', () => {
  const moto = ['/c/venv/bin/python', '/c/venv/bin/moto_server', '-H', '127.0.0.1', '-p', '8333'];
  const versitygw = ['/c/bin/versitygw/versitygw', '--port', '127.0.0.1:8333', 'posix', '/c/data/s3'];

  it.each<[string, Parameters<typeof launchedDifferently>[0], string[], boolean]>([
    ['a service started before an upgrade (moto, now versitygw)', { pid: 10, argv: moto }, versitygw, true],
    ['the same command line', { pid: 10, argv: versitygw }, versitygw, false],
    ['one argument more', { pid: 10, argv: versitygw }, [...versitygw, '--quiet'], true],
    ['no pidfile', undefined, versitygw, false],
    ['a hand-written pidfile without argv: nothing to compare', { pid: 10, argv: [] }, versitygw, false],
  ])('%s → %s', (_, record, argv, expected) => {
    expect(launchedDifferently(record, argv)).toBe(expected);
  });
});
