// Shared Jest settings. Specs are transpiled by SWC (fast, no type checking): types are
// checked by each project's `typecheck` target, so a spec run never waits on tsc.
const path = require('node:path');
const { pathsToModuleNameMapper } = require('./tools/build/paths.cjs');

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: pathsToModuleNameMapper(path.join(__dirname, 'tsconfig.base.json')),
};
