// Specs against Strata installed by Helm on the test cluster (npm run test:cluster runs
// them inside the cluster's network namespace, after `helm install`). Never part of
// `npm test`: they need the cluster.
module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'system-tests:cluster',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.cluster.spec.ts'],
  maxWorkers: 1,
  testTimeout: 600_000,
  // A channel closed while its connection attempt still retries a SYN towards a deleted
  // pod's address keeps that socket until the kernel gives up (about 2 minutes): the
  // specs are done, so do not wait for it.
  forceExit: true,
};
