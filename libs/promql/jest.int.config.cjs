// Integration specs: run against the real local stack (started by `npm test`).
module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'promql:int',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.int.spec.ts'],
  testTimeout: 60_000,
  passWithNoTests: true,
};
