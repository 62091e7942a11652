module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'promql',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testPathIgnorePatterns: ['\\.int\\.spec\\.ts$'],
};
