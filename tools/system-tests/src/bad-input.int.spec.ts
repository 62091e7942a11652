import { status } from '@grpc/grpc-js';
import { activeSeriesKey } from '@strata/storage/hot';
import { AckLedger } from './harness/ack-ledger';
import { write, writeRawBytes } from './harness/ingest-client';
import { describeCheck } from './harness/ledger-check';
import { StrataSystem } from './harness/strata-system';
import type { Series } from '@strata/proto';

// Bad input through the real ingest process: every refusal is precise, the good points of
// the same request are stored, and nothing refused reaches the tiers. Last, with Kafka
// gone, a Write fails UNAVAILABLE instead of acknowledging what it could not log.

const MAX_REQUEST_BYTES = 64 * 1024;
const MAX_POINTS = 1_000;
// The system's tenant (acme) gets its own series limit through the per-tenant override.
const MAX_SERIES = 8;

const series = (name: string, labels: Array<[string, string]>, points: Array<[number, number]>): Series => ({
  name,
  labels: labels.map(([n, value]) => ({ name: n, value })),
  points: points.map(([timestampMs, value]) => ({ timestampMs, value })),
});

describe('bad input through the real ingest process', () => {
  let system: StrataSystem | undefined;
  const ledger = new AckLedger();

  beforeAll(async () => {
    system = await StrataSystem.start({
      name: 'bad-input',
      baseEnv: process.env,
      keepDir: process.env['STRATA_SYSTEM_TESTS_KEEP'] === '1',
      ingestEnv: {
        STRATA_MAX_REQUEST_BYTES: String(MAX_REQUEST_BYTES),
        STRATA_MAX_POINTS_PER_REQUEST: String(MAX_POINTS),
        STRATA_TENANT_MAX_SERIES: `acme:${MAX_SERIES}`,
      },
    });
    await system.startWriter('writer');
  }, 180_000);

  afterAll(() => system?.stop(), 60_000);

  it('refuses each bad series and point with its own code, and stores the good points of the same request', () =>
    system!.saveLogsOnFailure(async (sys) => {
      const now = Date.now();
      const t = now - 5 * 60_000;
      const request = {
        series: [
          series('disk.used', [['host', 'good']], [[t, 1.5], [t + 1_000, 2.5], [t + 2_000, 3.5]]),
          series('bad name!', [['host', 'a']], [[t, 1]]),
          series('disk.used', [['1host', 'a']], [[t, 1]]),
          series('disk.used', [['host', '']], [[t, 1]]),
          series('disk.used', [['host', 'a'], ['host', 'b']], [[t, 1]]),
          series('disk.used', Array.from({ length: 33 }, (_, i): [string, string] => [`l${i}`, 'v']), [[t, 1]]),
          series('disk.used', [['host', 'mixed']], [
            [t, 10],
            [-1, 11],
            [t + 1_000, NaN],
            [t + 2_000, Infinity],
            [now + 3_600_000, 12],
            [1_000, 13],
            [t + 3_000, 14],
          ]),
          // A Prometheus recording-rule name: the colons are part of the name rule.
          series('job:disk_used:rate5m', [['job', 'node']], [[t, 0.25]]),
          // Runs of 8 or more points in time order go to the log as one chunk (packed records):
          // one likely within a window, one over more minutes than a window holds.
          series('disk.used', [['host', 'packed']], Array.from({ length: 12 }, (_, i): [number, number] => [t - (20 - i) * 60_000, 40 + i / 100])),
          series('disk.used', [['host', 'long']], Array.from({ length: 130 }, (_, i): [number, number] => [t - (130 - i) * 60_000, i % 7 === 0 ? 0.1 * i : 1e6 + i])),
        ],
      };
      const outcome = await write(sys.client(), sys.apiKey, request);
      if (!outcome.ok) throw new Error(`Write failed: ${outcome.error.message}`);
      ledger.recordAnswer(sys.tenant, request, outcome.response);

      expect(outcome.response.accepted).toBe(6 + 12 + 130);
      expect(outcome.response.rejections.map(({ seriesIndex, pointIndex, code }) => [seriesIndex, pointIndex, code])).toEqual([
        [1, -1, 'INVALID_NAME'],
        [2, -1, 'INVALID_LABEL_NAME'],
        [3, -1, 'INVALID_LABEL_VALUE'],
        [4, -1, 'DUPLICATE_LABEL'],
        [5, -1, 'TOO_MANY_LABELS'],
        [6, 1, 'INVALID_TIMESTAMP'],
        [6, 2, 'NON_FINITE_VALUE'],
        [6, 3, 'NON_FINITE_VALUE'],
        [6, 4, 'TOO_FAR_IN_FUTURE'],
        [6, 5, 'TOO_OLD'],
      ]);
      // Each message names what was wrong and the rule or limit that applies.
      const messages = outcome.response.rejections.map((r) => r.message);
      expect(messages[0]).toContain('"bad name!"');
      expect(messages[0]).toContain('[a-zA-Z0-9._:-]{1,255}');
      expect(messages[1]).toContain('"1host"');
      expect(messages[2]).toMatch(/label host .* 0 characters/);
      expect(messages[3]).toContain('label host appears twice');
      expect(messages[4]).toContain('33 labels; the limit is 32');
      expect(messages[5]).toContain('disk.used @ -1');
      expect(messages[6]).toContain('value NaN is not a finite number');
      expect(messages[7]).toContain('value Infinity is not a finite number');
      expect(messages[8]).toMatch(/ahead of the server clock; the grace is 600000 ms/);
      expect(messages[9]).toContain('older than the retention of 460 days');

      await sys.waitForCatchUp(30_000);
      const check = await sys.waitForLedger(ledger, { timeoutMs: 15_000 });
      expect(describeCheck(check)).toBe('all 148 acknowledged points present, nothing extra');
    }),
  );

  it('refuses whole requests that break a request limit, a key or the encoding, storing nothing of them', () =>
    system!.saveLogsOnFailure(async (sys) => {
      const t = Date.now() - 5 * 60_000;
      const cases = {
        oversized: await write(sys.client(), sys.apiKey, {
          series: [series('disk.used', [['host', 'x'.repeat(MAX_REQUEST_BYTES)]], [[t, 1]])],
        }),
        tooManyPoints: await write(sys.client(), sys.apiKey, {
          series: [series('disk.used', [['host', 'many']], Array.from({ length: MAX_POINTS + 1 }, (_, i): [number, number] => [t + i, i]))],
        }),
        unknownKey: await write(sys.client(), 'not-a-key', { series: [series('disk.used', [['host', 'intruder']], [[t, 1]])] }),
        missingKey: await write(sys.client(), '', { series: [series('disk.used', [['host', 'anonymous']], [[t, 1]])] }),
        // Field 1 (series) claims 5 bytes; 1 follows.
        malformed: await writeRawBytes(sys.client(), sys.apiKey, Buffer.from([0x0a, 0x05, 0x0a])),
      };
      const summary = Object.fromEntries(
        Object.entries(cases).map(([name, o]) => [name, o.ok ? 'OK' : `${status[o.error.code]}: ${o.error.details}`]),
      );
      process.stdout.write(`[bad-input] ${JSON.stringify(summary, null, 2)}\n`);
      expect(summary['oversized']).toMatch(/^RESOURCE_EXHAUSTED: .*larger than max/);
      expect(summary['tooManyPoints']).toMatch(/^INVALID_ARGUMENT: request holds (at least )?1001 points; the limit is 1000 per request \(STRATA_MAX_POINTS_PER_REQUEST\)/);
      expect(summary['unknownKey']).toBe('UNAUTHENTICATED: unknown API key');
      expect(summary['missingKey']).toBe('UNAUTHENTICATED: missing x-api-key metadata');
      expect(summary['malformed']).toMatch(/^INVALID_ARGUMENT: request body is not a valid strata\.v1\.WriteRequest \(.+\); nothing was stored$/);

      // The ingest process survived all of it, and none of it reached the tiers.
      const after = await write(sys.client(), sys.apiKey, { series: [series('disk.used', [['host', 'after']], [[t, 42]])] });
      if (!after.ok) throw new Error(`Write after the bad requests failed: ${after.error.message}`);
      ledger.recordAnswer(sys.tenant, { series: [series('disk.used', [['host', 'after']], [[t, 42]])] }, after.response);
      await sys.waitForCatchUp(30_000);
      const check = await sys.waitForLedger(ledger, { timeoutMs: 15_000 });
      expect(describeCheck(check)).toBe('all 149 acknowledged points present, nothing extra');
    }),
  );

  it('refuses new series past the tenant series limit, storing the known and admitted series of the same request', () =>
    system!.saveLogsOnFailure(async (sys) => {
      expect(sys.tenant).toBe('acme');
      const t = Date.now() - 4 * 60_000;
      // The tests above created some series already; fill what is left and ask for two more.
      const used = await sys.redis().zcard(activeSeriesKey(sys.tenant));
      expect(used).toBeGreaterThan(0);
      const room = MAX_SERIES - used;
      const request = {
        series: [
          series('disk.used', [['host', 'good']], [[t, 7]]),
          ...Array.from({ length: room + 2 }, (_, i) => series('disk.used', [['host', `new-${i}`]], [[t, i]])),
        ],
      };
      const outcome = await write(sys.client(), sys.apiKey, request);
      if (!outcome.ok) throw new Error(`Write failed: ${outcome.error.message}`);
      ledger.recordAnswer(sys.tenant, request, outcome.response);

      expect(outcome.response.accepted).toBe(1 + room);
      expect(outcome.response.rejections.map(({ seriesIndex, pointIndex, code }) => [seriesIndex, pointIndex, code])).toEqual([
        [room + 1, -1, 'SERIES_LIMIT_EXCEEDED'],
        [room + 2, -1, 'SERIES_LIMIT_EXCEEDED'],
      ]);
      expect(outcome.response.rejections[0].message).toBe(
        `series disk.used{host="new-${room}"} would be a new active series for tenant acme, which has ${MAX_SERIES} of its ` +
          `limit of ${MAX_SERIES} (STRATA_TENANT_MAX_SERIES for acme); its points were not stored. ` +
          'A series stops counting 26 h after its last write (STRATA_SERIES_ACTIVE_HOURS)',
      );

      // A series already counted is still written at the limit.
      const rewrite = { series: [series('disk.used', [['host', 'new-0']], [[t + 1_000, 8]])] };
      const again = await write(sys.client(), sys.apiKey, rewrite);
      if (!again.ok) throw new Error(`Write failed: ${again.error.message}`);
      expect(again.response).toEqual({ accepted: 1, rejections: [] });
      ledger.recordAnswer(sys.tenant, rewrite, again.response);

      await sys.waitForCatchUp(30_000);
      const check = await sys.waitForLedger(ledger, { timeoutMs: 15_000 });
      expect(describeCheck(check)).toBe(`all ${149 + 1 + room + 1} acknowledged points present, nothing extra`);
    }),
  );

  it('answers UNAVAILABLE, accepting nothing, while Kafka is down', () =>
    system!.saveLogsOnFailure(async (sys) => {
      await sys.stack.kill('kafka');
      const began = Date.now();
      // A series already counted: the tenant is at its series limit by now.
      const outcome = await write(sys.client(), sys.apiKey, { series: [series('disk.used', [['host', 'good']], [[Date.now() - 60_000, 1]])] }, 90_000);
      const ms = Date.now() - began;
      process.stdout.write(`[bad-input] with Kafka down, Write answered after ${ms} ms: ${outcome.ok ? JSON.stringify(outcome.response) : `${status[outcome.error.code]}: ${outcome.error.details}`}\n`);
      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      expect(status[outcome.error.code]).toBe('UNAVAILABLE');
      expect(outcome.error.details).toContain('nothing in this request was stored, retry it');
      expect(sys.ingest.running).toBe(true);
    }),
  );
});
