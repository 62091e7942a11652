// Process tests: each spec file starts its own private stack (Kafka, Redis, DynamoDB Local,
// S3 if it asks, on free ports, in a temporary state dir) and the built service bundles, then
// breaks or drives them. One file at a time: two stacks at once would starve a small machine.
module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'system-tests:int',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.int.spec.ts'],
  maxWorkers: 1,
  testTimeout: 120_000,
};
