import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { groupHasLiveMembers, isGroupAlive, procProcessTable, spawnDetached, splitCmdline, stopProcessGroup } from './process-supervisor';

describe('splitCmdline', () => {
  it('keeps empty arguments and drops only the final terminator', () => {
    expect(splitCmdline(Buffer.from('redis-server\0--save\0\0--port\x006379\0'))).toEqual(['redis-server', '--save', '', '--port', '6379']);
    expect(splitCmdline('')).toEqual([]);
  });
});

describe('detached processes (real ones)', () => {
  const table = procProcessTable();
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-proc-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const launch = (script: string) =>
    spawnDetached({ command: '/bin/sh', args: ['-c', script], cwd: dir, env: process.env, logFile: path.join(dir, 'out.log') });

  it('runs in its own process group, records argv as launched, logs to the file, and stops on SIGTERM', async () => {
    const pid = await launch('echo hello; exec sleep 30');
    await new Promise((r) => setTimeout(r, 100));
    expect(table.isAlive(pid)).toBe(true);
    expect(table.cmdline(pid)).toEqual(['sleep', '30']);
    expect(isGroupAlive(pid)).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'out.log'), 'utf8')).toContain('hello');
    expect(await stopProcessGroup(pid, { graceMs: 5000, table })).toBe('terminated');
    expect(table.isAlive(pid)).toBe(false);
  });

  it('stops the whole group, children included', async () => {
    const pid = await launch('sleep 30 & sleep 31 & wait');
    await new Promise((r) => setTimeout(r, 100));
    expect(groupHasLiveMembers(pid, table)).toBe(true);
    expect(await stopProcessGroup(pid, { graceMs: 5000, table })).toBe('terminated');
    // Zombies may linger until their reaper gets to them; nothing in the group still runs.
    expect(groupHasLiveMembers(pid, table)).toBe(false);
  });

  it('kills what ignores SIGTERM once the grace period is over', async () => {
    const pid = await launch("trap '' TERM; while :; do sleep 0.05; done");
    await new Promise((r) => setTimeout(r, 100));
    expect(await stopProcessGroup(pid, { graceMs: 300, table })).toBe('killed');
    expect(table.isAlive(pid)).toBe(false);
  });

  it('reports a process that is already gone', async () => {
    const pid = await launch('exit 0');
    await new Promise((r) => setTimeout(r, 200));
    expect(await stopProcessGroup(pid, { graceMs: 300, table })).toBe('not-running');
  });
});
