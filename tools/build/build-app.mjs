// Bundles an app's src/main.ts (with the workspace libs it imports) into
// dist/<app>/main.js. npm packages stay external: they are installed beside the bundle
// (node_modules in the workspace, production dependencies in an image).
//
// Worker threads: every src/**/<name>.worker.ts becomes dist/<app>/<name>.worker.js, a
// bundle beside main.js, so the app finds it at join(__dirname, '<name>.worker.js') at
// run time. Worker bundles treat npm packages as free of side effects, so a package that
// a worker reaches only through a lib's index (ioredis, the AWS SDK via @strata/storage)
// is dropped instead of loaded in every thread; a worker must therefore use what it
// imports, never import a package just for its side effects.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const projectRoot = process.argv[2];
if (!projectRoot) {
  process.stderr.write('usage: node tools/build/build-app.mjs apps/<name>\n');
  process.exit(2);
}
const workspace = resolve(import.meta.dirname, '../..');
const outdir = join(workspace, 'dist', projectRoot);
const srcdir = join(workspace, projectRoot, 'src');

const workers = {};
for (const file of readdirSync(srcdir, { recursive: true })) {
  const path = String(file);
  if (!path.endsWith('.worker.ts')) continue;
  const name = basename(path, '.ts');
  if (workers[name]) {
    process.stderr.write(`two worker entry points would both become ${name}.js: ${workers[name]} and ${join(srcdir, path)}\n`);
    process.exit(1);
  }
  workers[name] = join(srcdir, path);
}

/** Marks npm packages (not the workspace's @strata/* libs) external and side-effect free. */
const pureExternalPackages = {
  name: 'pure-external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.kind === 'entry-point' || args.path.startsWith('@strata/') ? undefined : { path: args.path, external: true, sideEffects: false },
    );
  },
};

const common = {
  outdir,
  entryNames: '[name]',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  tsconfig: join(workspace, projectRoot, 'tsconfig.json'),
  logLevel: 'warning',
};

rmSync(outdir, { recursive: true, force: true });
await build({ ...common, entryPoints: { main: join(srcdir, 'main.ts') }, packages: 'external' });
if (Object.keys(workers).length > 0) await build({ ...common, entryPoints: workers, plugins: [pureExternalPackages] });
