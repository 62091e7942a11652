import { status } from '@grpc/grpc-js';
import { FakeStrata } from '../test/fake-strata';
import { PROBE_SERIES, runProbe, systemClock, type ProbeDeps } from './probe';
import { GrpcStrataClient } from './strata-client';

// Every test goes through real gRPC (client and an in-process server built to the
// strata.v1 contract), so metadata, deadlines and stream assembly are exercised too.
describe('runProbe', () => {
  let strata: FakeStrata;
  let client: GrpcStrataClient;
  const tenant = { tenant: 'a', apiKey: 'key-a-0123456789' };
  const deps = (overrides: Partial<ProbeDeps> = {}): ProbeDeps => ({
    rpc: client,
    clock: systemClock,
    timeoutMs: 2_000,
    rpcTimeoutMs: 500,
    labels: [{ name: 'prober', value: 'spec' }],
    ...overrides,
  });

  beforeEach(async () => {
    strata = new FakeStrata();
    const address = await strata.start();
    client = new GrpcStrataClient({ ingest: address, reader: address });
  });

  afterEach(() => {
    client.close();
    strata.stop();
  });

  it('writes one point and measures the time until a raw Read returns exactly it', async () => {
    // Long enough that the first read comes before the point is visible even when the
    // machine is busy (60 ms was not, under a parallel test run).
    strata.visibilityDelayMs = 250;
    const before = Date.now();
    const outcome = await runProbe(tenant, 4242, deps());

    expect(outcome).toMatchObject({ tenant: 'a', result: 'ok', value: 4242, writeAttempts: 1 });
    expect(outcome.timeToReadableMs).toBeGreaterThanOrEqual(250);
    expect(outcome.timeToReadableMs).toBeLessThan(2_000);
    expect(outcome.readAttempts).toBeGreaterThan(1);
    expect(outcome.timestampMs).toBeGreaterThanOrEqual(before);
    expect(strata.written(PROBE_SERIES)).toEqual([
      { name: PROBE_SERIES, labels: [{ name: 'prober', value: 'spec' }], points: [{ timestampMs: outcome.timestampMs, value: 4242 }] },
    ]);
    const read = strata.reads[0];
    expect(read.tenant).toBe('a');
    expect(read.request).toMatchObject({ stepMs: 0, series: [{ name: PROBE_SERIES, labels: [{ name: 'prober', value: 'spec' }] }] });
    expect(read.request.fromMs).toBeLessThanOrEqual(outcome.timestampMs);
    expect(read.request.toMs).toBeGreaterThan(outcome.timestampMs);
    expect(read.request.toMs - read.request.fromMs).toBeLessThanOrEqual(2_000);
  });

  it('polls fast at first and backs off to about 100 ms between reads', async () => {
    strata.visibilityDelayMs = 700;
    const outcome = await runProbe(tenant, 1, deps());
    expect(outcome.result).toBe('ok');
    // 5, 7.5, 11, 17, 25, 38, 57, 85, then 100 ms: about 14 reads in 700 ms on an idle
    // machine; fewer when calls are slow, never hundreds.
    expect(outcome.readAttempts).toBeGreaterThanOrEqual(5);
    expect(outcome.readAttempts).toBeLessThanOrEqual(25);
  });

  it('does not count a point of another value at the same series as readable', async () => {
    const first = await runProbe(tenant, 1, deps());
    expect(first.result).toBe('ok');
    strata.visibilityDelayMs = 10_000;
    const second = await runProbe(tenant, 2, deps({ timeoutMs: 300 }));
    expect(second.result).toBe('not_readable_in_time');
  });

  it('retries a transient write failure and still succeeds', async () => {
    strata.writeFailures = [status.UNAVAILABLE, status.RESOURCE_EXHAUSTED];
    const outcome = await runProbe(tenant, 1, deps());
    expect(outcome).toMatchObject({ result: 'ok', writeAttempts: 3 });
  });

  it.each([
    ['an unknown API key', { tenant: 'a', apiKey: 'not-a-key-at-all' }, undefined, /UNAUTHENTICATED: unknown API key/],
    ['a refused point', tenant, { code: 'TOO_OLD', message: 'older than retention' }, /TOO_OLD: older than retention/],
  ])('fails write_refused at once on %s, naming why', async (_case, target, rejection, message) => {
    strata.rejectNext = rejection;
    const outcome = await runProbe(target, 1, deps());
    expect(outcome).toMatchObject({ result: 'write_refused', writeAttempts: 1, readAttempts: 0, failure: { stage: 'write' } });
    expect(outcome.failure?.message).toMatch(message);
  });

  it('fails write_unavailable when ingest stays unavailable until the probe times out', async () => {
    strata.writeAlwaysFails = status.UNAVAILABLE;
    const outcome = await runProbe(tenant, 1, deps({ timeoutMs: 400 }));
    expect(outcome).toMatchObject({ result: 'write_unavailable', readAttempts: 0, failure: { stage: 'write' } });
    expect(outcome.writeAttempts).toBeGreaterThan(1);
    expect(outcome.failure?.message).toMatch(/last: UNAVAILABLE/);
    expect(outcome.elapsedMs).toBeLessThan(700);
  });

  it('puts a deadline on every call: a stalled ingest costs the RPC timeout, not the whole probe', async () => {
    strata.writeStallMs = 5_000;
    const outcome = await runProbe(tenant, 1, deps({ timeoutMs: 450, rpcTimeoutMs: 100 }));
    expect(outcome.result).toBe('write_unavailable');
    expect(outcome.failure?.message).toMatch(/DEADLINE_EXCEEDED/);
    expect(outcome.writeAttempts).toBeGreaterThanOrEqual(2);
    expect(outcome.elapsedMs).toBeLessThan(1_000);
  });

  it('fails not_readable_in_time when the point never shows up', async () => {
    strata.visibilityDelayMs = 60_000;
    const outcome = await runProbe(tenant, 1, deps({ timeoutMs: 400 }));
    expect(outcome).toMatchObject({ result: 'not_readable_in_time', writeAttempts: 1, failure: { stage: 'read' } });
    expect(outcome.readAttempts).toBeGreaterThan(3);
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(300);
    expect(outcome.elapsedMs).toBeLessThan(800);
  });

  it('fails read_error at once when reader refuses the call outright (e.g. UNIMPLEMENTED)', async () => {
    strata.readAlwaysFails = status.UNIMPLEMENTED;
    const outcome = await runProbe(tenant, 1, deps());
    expect(outcome).toMatchObject({ result: 'read_error', readAttempts: 1, failure: { stage: 'read' } });
    expect(outcome.failure?.message).toMatch(/UNIMPLEMENTED/);
  });

  it('keeps polling through transient read errors and reports read_error if they last until the timeout', async () => {
    strata.readAlwaysFails = status.UNAVAILABLE;
    const outcome = await runProbe(tenant, 1, deps({ timeoutMs: 400 }));
    expect(outcome).toMatchObject({ result: 'read_error', failure: { stage: 'read' } });
    expect(outcome.readAttempts).toBeGreaterThan(3);
    expect(outcome.failure?.message).toMatch(/reads failed until the 400 ms timeout.*UNAVAILABLE/);
  });

  it('stops early when aborted', async () => {
    strata.visibilityDelayMs = 60_000;
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const began = Date.now();
    await runProbe(tenant, 1, deps({ timeoutMs: 10_000 }), abort.signal);
    expect(Date.now() - began).toBeLessThan(1_000);
  });
});
