import { sqlite4javaVersion } from './dynamodb';

describe('sqlite4javaVersion', () => {
  it('reads the version of the sqlite4java jar among the copied dependencies', () => {
    expect(sqlite4javaVersion(['DynamoDBLocal-2.6.1.jar', 'sqlite4java-1.0.392.jar', 'guava-33.4.0-jre.jar'])).toBe('1.0.392');
  });

  it('ignores the platform natives and reports a missing jar', () => {
    expect(sqlite4javaVersion(['sqlite4java-win32-x64-1.0.392.dll', 'libsqlite4java-linux-amd64-1.0.392.so'])).toBeUndefined();
  });
});
