import { parseJavaMajorVersion } from './system-packages';

describe('parseJavaMajorVersion', () => {
  it.each<[string, number | undefined]>([
    ['openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['java version "1.8.0_392"', 8],
    ['openjdk version "11.0.22-ea" 2024-01-16', 11],
    ['bash: java: command not found', undefined],
  ])('%p → %p', (output, major) => {
    expect(parseJavaMajorVersion(output)).toBe(major);
  });
});
