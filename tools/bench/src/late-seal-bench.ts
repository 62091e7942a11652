/* eslint-disable no-console -- a benchmark prints its numbers */
// What late points cost the writer's seals: a trickle of points into windows already past
// their due time (a sender catching up on hours of backlog at a modest rate, a client whose
// clock runs behind), once with each reseal delay (STRATA_RESEAL_DELAY_MS), one after the
// other on one private stack, each with its own series. Prints, per delay, the windows
// sealed per window written and the CPU of the writer and of DynamoDB Local from the first
// write until every due window is sealed. Prints numbers; asserts nothing.
// Run: npm run bench -- late-seal (docs/write-path.md, "Late windows")
import { hotKeys } from '@strata/storage/hot';
import { StrataSystem, write } from '@strata/system-tests';
import { pollUntil } from '@strata/testing';
import { cpuSeconds, processesUnder } from './proc-cpu';
import { runBench } from './run-bench';
import * as fs from 'node:fs';

const setting = (name: string, fallback: string) => process.env[name] ?? fallback;
const DELAYS = setting('BENCH_LATE_DELAYS_MS', '0,30000').split(',').map(Number);
const SERIES = Number(setting('BENCH_LATE_SERIES', '1000'));
const SECONDS = Number(setting('BENCH_LATE_SECONDS', '30'));
const TICK_MS = 500;
const MINUTE = 60_000;
const WINDOW_MS = 4 * 3_600_000;
const PARTITIONS = 4;

async function main(): Promise<void> {
  const system = await StrataSystem.start({
    name: 'bench-late-seal',
    baseEnv: process.env,
    services: ['kafka', 'redis', 'dynamodb', 's3'],
    ingestEnv: { STRATA_LOG_LEVEL: 'warn', STRATA_TENANT_POINTS_PER_SECOND: '1000000000' },
  });
  try {
    const dynamo = processesUnder(system.stack.stateDir).find((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('dynamodbv2.local'));
    if (dynamo === undefined) throw new Error('DynamoDB Local is not among the stack processes');
    console.log(`late seal: ${SERIES} series, one point each every ${TICK_MS} ms for ${SECONDS} s into a 4 h window that ended 6 h ago (due 5 min after its end); reseal delays ${DELAYS.join(', ')} ms`);
    for (const delay of DELAYS) {
      const writer = await system.startWriter(`writer-${delay}`, {
        env: { STRATA_WINDOW_MS: String(WINDOW_MS), STRATA_SEAL_GRACE_MS: '300000', STRATA_RESEAL_DELAY_MS: String(delay), STRATA_LOG_LEVEL: 'warn' },
      });
      // A window that ended 6 hours ago, well within the hot retention.
      const windowStart = Math.floor((Date.now() - 6 * 3_600_000) / WINDOW_MS) * WINDOW_MS - WINDOW_MS;
      const before = { writer: cpuSeconds(writer.pid), dynamo: cpuSeconds(dynamo), at: performance.now(), sealed: (await system.metric(writer, 'strata_writer_windows_sealed_total')) ?? 0 };
      let points = 0;
      for (let tick = 0; tick < (SECONDS * 1_000) / TICK_MS; tick++) {
        const began = performance.now();
        const timestampMs = windowStart + tick * MINUTE;
        const series = Array.from({ length: SERIES }, (_, i) => ({ name: `late.d${delay}.s${i}`, labels: [{ name: 'host', value: `h${i % 50}` }], points: [{ timestampMs, value: (tick * 7 + i) % 100 }] }));
        const outcome = await write(system.client(), system.apiKey, { series });
        if (!outcome.ok || outcome.response.rejections.length > 0) throw new Error(`write failed: ${outcome.ok ? JSON.stringify(outcome.response.rejections[0]) : outcome.error.message}`);
        points += SERIES;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, TICK_MS - (performance.now() - began))));
      }
      const written = performance.now();
      await system.waitForCatchUp(120_000);
      await pollUntil(async () => ((await system.dueWindows()) === 0 ? true : undefined), { what: 'every late window to be sealed', timeoutMs: 180_000, intervalMs: 250 });
      const sealed = ((await system.metric(writer, 'strata_writer_windows_sealed_total')) ?? 0) - before.sealed;
      const writerCpu = cpuSeconds(writer.pid) - before.writer;
      const dynamoCpu = cpuSeconds(dynamo) - before.dynamo;
      const perMillion = (s: number) => ((s / points) * 1e6).toFixed(2);
      console.log(
        `  reseal delay ${String(delay).padStart(6)} ms: ${points.toLocaleString('en-US')} points in ${SERIES} windows; ${sealed} seals (${(sealed / SERIES).toFixed(1)} per window); ` +
          `all sealed ${((performance.now() - written) / 1_000).toFixed(1)} s after the last write; ` +
          `CPU writer ${writerCpu.toFixed(2)} s (${perMillion(writerCpu)} per 1M points), DynamoDB Local ${dynamoCpu.toFixed(2)} s (${perMillion(dynamoCpu)} per 1M points)`,
      );
      await writer.stop(10_000);
      // Nothing of this delay's series may stay due for the next one.
      const left = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => system.redis().zcard(hotKeys.due(p))));
      if (left.some((n) => n > 0)) throw new Error(`windows still due after the writer stopped: ${left.join(', ')}`);
    }
  } finally {
    await system.stop();
  }
}

runBench(main);
