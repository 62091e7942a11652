import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createKafka, ensureTopic, type Kafka } from '@strata/stream';
import { freePorts, ServiceProcess } from '@strata/testing';
import type { DashboardState } from './dashboard-contract';

// The dashboard in a real browser against the real pipeline: ingest, writer, reader and
// archiver from their bundles on the local stack, the prober probing them once a second.
// Then the fault: the reader is killed, and the page must show the failed probes and the
// reader not ready. Isolated from everyone else on the shared stack: its own topic,
// consumer group and tenant, on free ports; the writer seals nothing (its first sealing
// round would come after the test), so no lease or due window of others is touched.

const workspace = resolve(__dirname, '../../..');
const results = join(workspace, 'test-results');
const logDir = join(results, 'e2e-prober-int');
const run = `${Date.now().toString(36)}${process.pid}`;
const tenant = `e2e-${run}`;
const apiKey = `e2e-prober-key-${run}`;
const topic = `strata.points.e2e-prober-${run}`;
const CHROMIUM = '/usr/bin/chromium';

/** The stack's client settings: from the environment `npm test` sets, else from the stack script. */
function stackEnv(): NodeJS.ProcessEnv {
  if (process.env['STRATA_KAFKA_BROKERS']) return {};
  const out = execFileSync('bash', [join(workspace, 'tools/bin/stack.sh'), 'env'], { cwd: workspace, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return Object.fromEntries([...out.matchAll(/^export ([A-Z0-9_]+)=(.*)$/gm)].map(([, name, value]) => [name, value.replace(/^'(.*)'$/, '$1')]));
}

async function api(prober: ServiceProcess): Promise<DashboardState> {
  return (await (await fetch(`${prober.opsUrl}/api/state`)).json()) as DashboardState;
}

describe('prober dashboard (real browser, real services)', () => {
  const services = new Map<string, ServiceProcess>();
  let env: NodeJS.ProcessEnv;
  let kafka: Kafka;
  let browser: Browser | undefined;
  let page: Page;
  const requests: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    execFileSync('bash', [join(workspace, 'apps/e2e-prober/scripts/ensure-chromium.sh')], { stdio: 'inherit', timeout: 600_000 });
    for (const app of ['ingest', 'writer', 'reader', 'archiver', 'e2e-prober']) {
      if (!existsSync(join(workspace, 'dist/apps', app, 'main.js'))) throw new Error(`dist/apps/${app}/main.js is missing: run \`npx nx build ${app}\``);
    }
    mkdirSync(logDir, { recursive: true });
    const base: NodeJS.ProcessEnv = { ...process.env, ...stackEnv() };
    for (const name of Object.keys(base)) if (/^STRATA_(API_KEYS|PROBER_|GRPC_PORT|OPS_PORT)/.test(name)) delete base[name];
    env = { ...base, STRATA_KAFKA_TOPIC: topic, STRATA_API_KEYS: `${apiKey}:${tenant}`, STRATA_LOG_LEVEL: 'info' };

    kafka = createKafka({ brokers: (env['STRATA_KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(','), clientId: `e2e-prober-int-${run}`, topic, logLevel: 'nothing' });
    await ensureTopic(kafka, { topic, partitions: 2, replicationFactor: 1 }).catch((error: unknown) => {
      throw new Error(`cannot create ${topic}; is the local stack up (\`npm run stack -- up\`)? ${String(error)}`);
    });

    const ports = await freePorts(10);
    const at = (i: number) => ({ grpcPort: ports[2 * i], opsPort: ports[2 * i + 1] });
    const start = (name: string, i: number, extra: NodeJS.ProcessEnv = {}) =>
      services.set(name, ServiceProcess.spawn({ workspace, name, app: name, ...at(i), env: { ...env, ...extra }, logFile: join(logDir, `${name}.log`) }));
    start('ingest', 0);
    start('reader', 1);
    start('writer', 2, { STRATA_WRITER_GROUP_ID: `strata-writer-e2e-prober-${run}`, STRATA_SEAL_INTERVAL_MS: '600000' });
    start('archiver', 3);
    start('e2e-prober', 4, proberEnv(1_000, 3_000));
    await Promise.all([...services.values()].map((s) => s.waitReady(60_000)));
  }, 660_000);

  function proberEnv(intervalMs: number, timeoutMs: number): NodeJS.ProcessEnv {
    const ops = (name: string) => services.get(name)?.opsUrl ?? 'http://127.0.0.1:1';
    return {
      STRATA_PROBER_TENANTS: `${tenant}:${apiKey}`,
      STRATA_PROBER_INGEST_ADDRESS: services.get('ingest')!.grpcAddress,
      STRATA_PROBER_READER_ADDRESS: services.get('reader')!.grpcAddress,
      STRATA_PROBER_COMPONENTS: ['ingest', 'reader', 'writer', 'archiver'].map((n) => `${n}=${ops(n)}`).join(','),
      STRATA_PROBER_INSTANCE: `int-${run}`,
      STRATA_PROBER_INTERVAL_MS: String(intervalMs),
      STRATA_PROBER_TIMEOUT_MS: String(timeoutMs),
      STRATA_PROBER_RPC_TIMEOUT_MS: '1000',
      STRATA_PROBER_STATUS_INTERVAL_MS: '1000',
      STRATA_PROBER_STATUS_TIMEOUT_MS: '500',
    };
  }

  async function once(name: string): Promise<number | null> {
    const [grpcPort, opsPort] = await freePorts(2);
    const probe = ServiceProcess.spawn({
      workspace,
      name,
      app: 'e2e-prober',
      grpcPort,
      opsPort,
      env: { ...env, ...proberEnv(1_000, 3_000) },
      logFile: join(logDir, `${name}.log`),
      args: ['--once'],
    });
    return (await probe.exited).code;
  }

  afterAll(async () => {
    await browser?.close();
    await Promise.all([...services.values()].map((s) => s.stop(5_000)));
    const admin = kafka?.admin();
    if (admin) {
      await admin.connect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.deleteGroups([`strata-writer-e2e-prober-${run}`]).catch(() => undefined);
      await admin.disconnect();
    }
  }, 30_000);

  it('`--once` exits 0 when the probe point is readable', async () => {
    expect(await once('once-ok')).toBe(0);
  }, 20_000);

  it('draws real probes, then marks the failure when the reader is killed', async () => {
    const prober = services.get('e2e-prober')!;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${prober.opsUrl}/`);

    // Healthy: probe dots and the p50/p99 lines, every component ready.
    await page.locator('#ttr-chart circle.probe-dot.ok').nth(4).waitFor({ timeout: 30_000 });
    await page.locator('#ttr-chart path[data-testid="line-p50"]').waitFor({ timeout: 5_000 });
    await page.locator('#ttr-chart path[data-testid="line-p99"]').waitFor({ timeout: 5_000 });
    for (const name of ['ingest', 'reader', 'writer', 'archiver']) {
      await page.locator(`article.component[data-component="${name}"][data-ready="true"]`).waitFor({ timeout: 10_000 });
    }
    // The archiver reports its start time until its first run succeeds, so the panel shows an age.
    await expectText(page, 'article[data-component="archiver"] [data-figure="last-success"] dd', ' ago');
    const healthy = await api(prober);
    expect(healthy.summary.window.ok).toBeGreaterThanOrEqual(5);
    writeFileSync(
      join(logDir, 'measurements.json'),
      JSON.stringify({ probes: healthy.summary.window, timesMs: healthy.probes.map((p) => Math.round(p.ms * 10) / 10) }, null, 2),
    );
    await page.screenshot({ path: join(results, 'dashboard-healthy.png'), fullPage: true });

    // The fault.
    await services.get('reader')!.kill();
    await page.locator('#ttr-chart g.probe-fail[data-result="read_error"]').first().waitFor({ timeout: 20_000 });
    await page.locator('article.component[data-component="reader"][data-ready="false"]').waitFor({ timeout: 10_000 });
    await page.locator('#failures tr[data-result="read_error"]').first().waitFor({ timeout: 5_000 });
    await expectText(page, '#failures tr[data-result="read_error"] td:nth-child(4)', 'read (reader)');
    await page.locator('#overall[data-status="failing"]').waitFor({ timeout: 5_000 });
    expect(await page.locator('article.component[data-component="reader"] .problems').textContent()).toMatch(/unreachable/);
    expect(await page.locator('article.component[data-component="ingest"]').getAttribute('data-ready')).toBe('true');
    mkdirSync(results, { recursive: true });
    await page.screenshot({ path: join(results, 'dashboard.png'), fullPage: true });

    // Self-contained: everything the page loaded came from the prober itself.
    expect(requests.filter((url) => !url.startsWith(`${prober.opsUrl}/`))).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('`--once` exits 1 when the point cannot be read back', async () => {
    expect(await once('once-reader-down')).toBe(1);
  }, 20_000);
});

async function expectText(page: Page, selector: string, text: string): Promise<void> {
  await page.locator(selector, { hasText: text }).first().waitFor({ timeout: 10_000 });
}
