import { parseGoVersion } from './s3';

describe('parseGoVersion', () => {
  it.each<[string, [number, number] | undefined]>([
    ['go1.26.8\n', [1, 26]],
    ['go1.25.0', [1, 25]],
    ['go1.9', [1, 9]],
    ['go1.25rc1', [1, 25]],
    ['devel go1.27-abcdef', undefined],
    ['', undefined],
  ])('%j → %j', (text, expected) => {
    expect(parseGoVersion(text)).toEqual(expected);
  });
});
