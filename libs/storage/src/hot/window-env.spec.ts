import { MAX_POINTS_PER_CHUNK } from '../codec/encoding';
import { readSettings } from '../testing/read-settings';
import { readWindowMsEnv } from './window-env';

function read(value: string | undefined): { windowMs: number; problems: readonly string[] } {
  const { settings, problems } = readSettings(readWindowMsEnv, value === undefined ? {} : { STRATA_WINDOW_MS: value });
  return { windowMs: settings, problems };
}

// Issue 14: "a window of any size that ingest accepted is sealed". Timestamps are whole
// milliseconds, so the longest window bounds the points one series can put in it.
describe('STRATA_WINDOW_MS', () => {
  it.each([
    ['unset: 4 h', undefined, 14_400_000],
    ['1 min, the shortest', '60000', 60_000],
    ['4 h, the longest that divides a day and fits a chunk', '14400000', 14_400_000],
  ])('accepts %s', (_, value, expected) => {
    expect(read(value)).toEqual({ windowMs: expected, problems: [] });
  });

  it.each([
    ['6 h (divides a day, 21.6 M points of 1 ms data)', '21600000', /is above 16777216: .*chunk takes \(2\^24\).*14400000 \(4 h\)/],
    ['a day', '86400000', /is above 16777216/],
    ['one past the chunk limit', String(MAX_POINTS_PER_CHUNK + 1), /is above 16777216/],
    ['the chunk limit itself, which does not divide a day', String(MAX_POINTS_PER_CHUNK), /must divide a day/],
    ['below a minute', '59999', /below the minimum 60000/],
    ['not an integer', '4h', /is not an integer/],
  ])('refuses %s, naming the variable', (_, value, message) => {
    const { problems } = read(value);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^STRATA_WINDOW_MS=/);
    expect(problems[0]).toMatch(message);
  });

});
