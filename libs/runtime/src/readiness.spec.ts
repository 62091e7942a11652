import { probeReadiness } from './readiness';

describe('probeReadiness', () => {
  it('is ready while the probe resolves and names the check and the error when it rejects', async () => {
    const checks = probeReadiness({ redis: async () => 'PONG', s3: async () => Promise.reject(new Error('connect ECONNREFUSED')) });
    expect(Object.keys(checks)).toEqual(['redis', 's3']);
    expect(await checks['redis']!()).toBe(true);
    expect(await checks['s3']!()).toBe('s3: connect ECONNREFUSED');
  });
});
