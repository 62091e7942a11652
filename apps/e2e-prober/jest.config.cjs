module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'e2e-prober',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testPathIgnorePatterns: ['\\.int\\.spec\\.ts$'],
};
