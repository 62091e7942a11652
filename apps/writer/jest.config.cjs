module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'writer',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testPathIgnorePatterns: ['\\.int\\.spec\\.ts$'],
};
