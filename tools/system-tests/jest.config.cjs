module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'system-tests',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testPathIgnorePatterns: ['\\.int\\.spec\\.ts$', '\\.cluster\\.spec\\.ts$'],
};
