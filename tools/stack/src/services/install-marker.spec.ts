import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { installAtomically, isInstalledAs } from './install-marker';

describe('installAtomically', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-install-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('fills the directory and marks it with the fingerprint', async () => {
    const dir = path.join(root, 'kafka');
    await installAtomically(dir, 'kafka 3.9.2', async (partial) => fs.writeFileSync(path.join(partial, 'a.jar'), ''));
    expect(fs.readdirSync(dir).sort()).toEqual(['.strata-installed', 'a.jar']);
    expect(isInstalledAs(dir, 'kafka 3.9.2')).toBe(true);
    expect(isInstalledAs(dir, 'kafka 3.9.3')).toBe(false);
  });

  it('leaves a previous install untouched when filling fails', async () => {
    const dir = path.join(root, 'kafka');
    await installAtomically(dir, 'v1', async (partial) => fs.writeFileSync(path.join(partial, 'old.jar'), ''));
    await expect(
      installAtomically(dir, 'v2', async (partial) => {
        fs.writeFileSync(path.join(partial, 'half.jar'), '');
        throw new Error('download failed');
      }),
    ).rejects.toThrow('download failed');
    expect(isInstalledAs(dir, 'v1')).toBe(true);
    expect(fs.existsSync(path.join(dir, 'half.jar'))).toBe(false);
  });

  it('replaces an install with another fingerprint', async () => {
    const dir = path.join(root, 'kafka');
    await installAtomically(dir, 'v1', async (partial) => fs.writeFileSync(path.join(partial, 'old.jar'), ''));
    await installAtomically(dir, 'v2', async (partial) => fs.writeFileSync(path.join(partial, 'new.jar'), ''));
    expect(fs.readdirSync(dir).sort()).toEqual(['.strata-installed', 'new.jar']);
  });

  it('ends whole when two installs of it run at once (two stacks starting on a fresh machine)', async () => {
    const dir = path.join(root, 'dynamodb');
    const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
    const fill = async (partial: string) => {
      for (const jar of ['a.jar', 'b.jar', 'c.jar']) {
        await tick();
        fs.writeFileSync(path.join(partial, jar), jar);
      }
    };
    await Promise.all([installAtomically(dir, 'v1', fill), installAtomically(dir, 'v1', fill)]);
    expect(fs.readdirSync(dir).sort()).toEqual(['.strata-installed', 'a.jar', 'b.jar', 'c.jar']);
    expect(isInstalledAs(dir, 'v1')).toBe(true);
    expect(fs.readdirSync(root)).toEqual(['dynamodb']);
  });
});
