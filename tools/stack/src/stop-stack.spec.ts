import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findOrphans } from './stop-stack';

describe('findOrphans', () => {
  let proc: string;
  const stackRoot = '/repo/.cache/stack';
  const fakeProcess = (pid: number, exe: string, argv: string[]) => {
    fs.mkdirSync(path.join(proc, String(pid)));
    fs.writeFileSync(path.join(proc, String(pid), 'cmdline'), argv.join('\0') + '\0');
    fs.symlinkSync(exe, path.join(proc, String(pid), 'exe'));
  };

  beforeEach(() => {
    proc = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-proc-root-'));
    fakeProcess(101, '/usr/lib/jvm/java-17/bin/java', ['java', '-cp', `${stackRoot}/jars/kafka/*`, 'kafka.Kafka']);
    fakeProcess(102, '/usr/bin/redis-check-rdb', ['/usr/bin/redis-server', '--dir', `${stackRoot}/data/redis`]);
    fakeProcess(103, `${stackRoot}/bin/versitygw/versitygw`, [`${stackRoot}/bin/versitygw/versitygw`, '--port', '127.0.0.1:8333', 'posix', `${stackRoot}/data/s3`]);
    fakeProcess(104, '/usr/bin/java', ['java', `-Djava.library.path=${stackRoot}/jars/dynamodb/native`, 'X']);
    fakeProcess(201, '/usr/bin/bash', ['bash', '-c', `ls ${stackRoot}/logs`]); // a shell looking at our files
    fakeProcess(202, '/usr/bin/java', ['java', '-cp', '/opt/other/*', 'Main']); // someone else's JVM
    fakeProcess(203, '/usr/bin/java', ['java', '-cp', '/repo/.cache/stackother/*', 'Main']); // a sibling dir
    fs.mkdirSync(path.join(proc, 'net')); // non-pid entries are skipped
  });
  afterEach(() => fs.rmSync(proc, { recursive: true, force: true }));

  it('finds JVMs, redis and versitygw launched from the stack directory, and nothing else', () => {
    expect(findOrphans(stackRoot, new Set(), proc).map((o) => o.pid).sort()).toEqual([101, 102, 103, 104]);
  });

  it('skips the processes whose pidfiles are known', () => {
    expect(findOrphans(stackRoot, new Set([101, 103]), proc).map((o) => o.pid).sort()).toEqual([102, 104]);
  });
});
