import { parseServiceLog } from './service-log';

describe('parseServiceLog', () => {
  it('reads the JSON lines and skips the rest', () => {
    const text = [
      '{"level":30,"msg":"started","component":"kafka-consumer"}',
      '{"level":30,"msg":"partitions assigned","groupId":"strata-writer","partitions":[0,1,2,3]}',
      'fatal: something printed without JSON',
      '{"level":30,"msg":"partitions assigned","groupId":"strata-writer","partitions":[2,3]}',
      '{"level":30,"msg":"cut sho',
    ].join('\n');
    expect(parseServiceLog(text).map((r) => r.msg)).toEqual(['started', 'partitions assigned', 'partitions assigned']);
  });
});
