module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'prometheus',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testPathIgnorePatterns: ['\\.int\\.spec\\.ts$'],
};
