import { parseServiceLog } from '@strata/testing';
import { latestAssignment } from './service-log';

describe('latestAssignment', () => {
  it("finds a writer's latest assignment in its log", () => {
    const log = [
      '{"level":30,"msg":"partitions assigned","groupId":"strata-writer","partitions":[0,1,2,3]}',
      'fatal: something printed without JSON',
      '{"level":30,"msg":"partitions assigned","groupId":"strata-writer","partitions":[2,3]}',
      '{"level":30,"msg":"cut sho',
    ];
    expect(latestAssignment(parseServiceLog(log.join('\n')))).toEqual([2, 3]);
    expect(latestAssignment(parseServiceLog('{"msg":"started"}'))).toBeUndefined();
  });
});
