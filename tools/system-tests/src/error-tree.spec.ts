import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError } from '@strata/runtime';
import { repoRoot } from './harness/repo-root';

// Strata has one error tree: retry loops and gRPC status mapping read `retriable`, and logs
// read `context`, from StrataError, whose constructor sets both on every instance. This
// loads every module of the apps, the libs and the stack tool that exports a class, and
// fails on each exported error class that does not derive from it (one extending Error
// directly would carry neither).

const root = repoRoot();
/** Where production code lives: each app's and lib's src/, and the stack tool's. */
const SOURCE_DIRS = [...['apps', 'libs'].flatMap((top) => readdirSync(join(root, top)).map((project) => `${top}/${project}/src`)), 'tools/stack/src'];
/** Specs and test support run no production path; generated protobuf code declares no errors. */
const NOT_PRODUCTION = /\.spec\.ts$|test-support\.ts$|^libs\/proto\/src\/generated\//;
const EXPORTS_A_CLASS = /^export (abstract )?class \w+ extends /m;

function modulesExportingClasses(): string[] {
  return SOURCE_DIRS.filter((dir) => existsSync(join(root, dir)))
    .flatMap((dir) => readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).map((file) => `${dir}/${file}`))
    .filter((file) => file.endsWith('.ts') && !NOT_PRODUCTION.test(file))
    .filter((file) => EXPORTS_A_CLASS.test(readFileSync(join(root, file), 'utf8')));
}

async function exportedErrorClasses(): Promise<Array<[string, new (...args: never[]) => Error]>> {
  const found: Array<[string, new (...args: never[]) => Error]> = [];
  for (const file of modulesExportingClasses()) {
    const exported: Record<string, unknown> = await import(join(root, file));
    for (const [name, value] of Object.entries(exported)) {
      if (typeof value === 'function' && value.prototype instanceof Error) found.push([`${file}: ${name}`, value as new (...args: never[]) => Error]);
    }
  }
  return found;
}

describe('the error tree', () => {
  let classes: Array<[string, new (...args: never[]) => Error]>;
  beforeAll(async () => {
    classes = await exportedErrorClasses();
  });

  it('finds the error classes of every part (the walk itself works)', () => {
    const names = classes.map(([where]) => where);
    for (const known of ['ConfigError', 'RecordTooLargeError', 'LogUnavailableError', 'StorageError', 'HotTierFailedError', 'RateLimitedError', 'LeaseLostError', 'RpcError', 'StackError']) {
      expect(names).toContainEqual(expect.stringMatching(new RegExp(`: ${known}$`)));
    }
  });

  it('has every exported error class derive from StrataError', () => {
    const outside = classes.filter(([, errorClass]) => !(errorClass.prototype instanceof StrataError) && errorClass !== StrataError).map(([where]) => where);
    expect(outside).toEqual([]);
  });
});
