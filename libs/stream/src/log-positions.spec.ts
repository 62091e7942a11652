import { retentionProblems } from './log-positions';

const HOUR = 3_600_000;

describe('retentionProblems: can the log still rebuild the hot tier?', () => {
  it.each([
    { what: "Kafka's default, 7 days", retentionMs: 168 * HOUR, retentionBytes: -1, cleanupPolicy: 'delete', problems: [] },
    { what: 'forever', retentionMs: -1, retentionBytes: -1, cleanupPolicy: 'delete', problems: [] },
    { what: 'exactly the minimum', retentionMs: 48 * HOUR, retentionBytes: -1, cleanupPolicy: 'delete', problems: [] },
    { what: 'an hour short', retentionMs: 47 * HOUR, retentionBytes: -1, cleanupPolicy: 'delete', problems: ['retention.ms=169200000'] },
    { what: 'deleted by size', retentionMs: -1, retentionBytes: 1 << 30, cleanupPolicy: 'delete', problems: ['retention.bytes=1073741824'] },
    { what: 'compacted', retentionMs: -1, retentionBytes: -1, cleanupPolicy: 'compact,delete', problems: ['cleanup.policy=compact,delete'] },
  ])('$what', ({ retentionMs, retentionBytes, cleanupPolicy, problems }) => {
    const found = retentionProblems({ retentionMs, retentionBytes, cleanupPolicy }, 'strata.points.v1', 48 * HOUR);
    expect(found).toHaveLength(problems.length);
    problems.forEach((fragment, i) => expect(found[i]).toContain(fragment));
  });
});
