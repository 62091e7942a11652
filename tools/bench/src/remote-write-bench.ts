/* eslint-disable no-console -- a benchmark prints its numbers */
// Remote-write benchmark: Prometheus remote write 1.0 and 2.0 into ingest's HTTP API port
// (POST /api/v1/write) beside the gRPC Write path, in one run on one private stack (Kafka and
// Redis on free ports, the built ingest), and Debian's Prometheus 2.42 as a remote-write
// receiver fed by the same generator, for reference. No writer runs: what is measured is
// ingest's path to Kafka's acknowledgement (acks = all), not the projections behind it.
// Prints numbers; asserts nothing. Measured figures and what they mean: docs/prometheus.md,
// "Throughput".
// Run: npm run bench (or npx tsx tools/bench/src/remote-write-bench.ts)
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { snappyCompress, snappyCompressWithLiterals, snappyUncompress } from '@strata/prometheus';
import { prometheus, prometheusWriteV2, WriteRequest, type Label } from '@strata/proto';
import { ensurePrometheusTools } from '@strata/stack';
import { StrataSystem } from '@strata/system-tests';
import { prng } from '@strata/testing';
import { startPeerProcess } from './peer-process';
import { cpuSeconds, machineCpu, processesUnder } from './proc-cpu';
import { grpcWriteTarget, remoteWriteTarget as remoteWriteTo, type Target } from './remote-write-target';
import { median, percentile } from './stats';
import { runBench } from './run-bench';

const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SECONDS = setting('BENCH_RW_SECONDS', 30);
const WARMUP_SECONDS = setting('BENCH_RW_WARMUP_SECONDS', 5);
/** The measured span of the 500-samples-per-request run, shorter: it is the secondary shape. */
const SMALL_BATCH_SECONDS = setting('BENCH_RW_SMALL_BATCH_SECONDS', 15);
/** node_exporter-like series, ~490 per host; 48,000 are ~98 hosts. */
const SERIES = setting('BENCH_RW_SERIES', 48_000);
/** Connections (Prometheus's shards): each sends its own series, one request at a time, in time order. */
const CONCURRENCY = setting('BENCH_RW_CONCURRENCY', 8);
/** Prometheus 3's max_samples_per_send default, and 2.x's (2.42 included). */
const BATCH = 2_000;
const SMALL_BATCH = 500;
/** Each round (one pass of a connection over its series) is this much later than the one before. */
const STEP_MS = 1_000;
/** `off` skips the Prometheus reference. */
const PROMETHEUS = process.env['BENCH_PROMETHEUS'] ?? 'on';
const CORES = os.cpus().length;
const MAX_BODY_BYTES = 64 * 1024 * 1024;

// ---- The fleet: node_exporter's series of ~98 hosts ----------------------------------------

interface FleetSeries {
  /** Sorted by name, `__name__` first, as Prometheus sends them. */
  readonly labels: readonly Label[];
  readonly counter: boolean;
  readonly help: string;
  readonly base: number;
  readonly rate: number;
  readonly decimals: number;
}

const CPU_MODES = ['idle', 'iowait', 'irq', 'nice', 'softirq', 'steal', 'system', 'user'];
const DISKS = ['dm-0', 'nvme0n1', 'nvme1n1', 'sda'];
const NICS = ['docker0', 'eth0', 'eth1', 'lo'];
const FILESYSTEMS = [
  { device: '/dev/nvme0n1p1', fstype: 'ext4', mountpoint: '/' },
  { device: '/dev/nvme0n1p2', fstype: 'ext4', mountpoint: '/var/lib/docker' },
  { device: '/dev/nvme1n1', fstype: 'xfs', mountpoint: '/data' },
  { device: 'tmpfs', fstype: 'tmpfs', mountpoint: '/run' },
];
const words = (s: string) => s.trim().split(/\s+/);
const DISK_METRICS = words(`discards_completed_total io_now io_time_seconds_total io_time_weighted_seconds_total read_bytes_total
  read_time_seconds_total reads_completed_total reads_merged_total write_time_seconds_total writes_completed_total writes_merged_total written_bytes_total`);
const NETWORK_METRICS = words(`receive_bytes_total receive_compressed_total receive_drop_total receive_errs_total receive_fifo_total
  receive_multicast_total receive_packets_total transmit_bytes_total transmit_compressed_total transmit_drop_total transmit_errs_total
  transmit_fifo_total transmit_packets_total up mtu_bytes speed_bytes carrier`);
const MEMINFO = words(`Active Active_anon Active_file AnonHugePages AnonPages Bounce Buffers Cached CommitLimit Committed_AS
  DirectMap1G DirectMap2M DirectMap4k Dirty FileHugePages FilePmdMapped HardwareCorrupted HugePages_Free HugePages_Rsvd
  HugePages_Surp HugePages_Total Hugepagesize Hugetlb Inactive Inactive_anon Inactive_file KReclaimable KernelStack Mapped
  MemAvailable MemFree MemTotal Mlocked NFS_Unstable PageTables Percpu SReclaimable SUnreclaim Shmem ShmemHugePages
  ShmemPmdMapped Slab SwapCached SwapFree SwapTotal Unevictable VmallocChunk VmallocTotal VmallocUsed Writeback WritebackTmp`);
const PER_CPU = words(`softnet_processed_total softnet_dropped_total softnet_times_squeezed_total schedstat_running_seconds_total
  schedstat_waiting_seconds_total schedstat_timeslices_total`);
const HOST_METRICS = words(`node_load1 node_load5 node_load15 node_procs_running node_procs_blocked node_context_switches_total
  node_intr_total node_forks_total node_boot_time_seconds node_time_seconds node_entropy_available_bits node_filefd_allocated
  node_filefd_maximum node_sockstat_TCP_inuse node_sockstat_TCP_tw node_sockstat_TCP_alloc node_sockstat_sockets_used
  node_sockstat_UDP_inuse node_netstat_Tcp_ActiveOpens node_netstat_Tcp_PassiveOpens node_netstat_Tcp_RetransSegs
  node_netstat_Tcp_InSegs node_netstat_Tcp_OutSegs node_netstat_Udp_InDatagrams node_netstat_Udp_OutDatagrams
  node_nf_conntrack_entries node_nf_conntrack_entries_limit node_vmstat_pgpgin node_vmstat_pgpgout node_vmstat_pswpin
  node_vmstat_pswpout node_vmstat_pgfault node_vmstat_pgmajfault node_vmstat_oom_kill up scrape_duration_seconds
  scrape_samples_scraped scrape_samples_post_metric_relabeling scrape_series_added`);
const COLLECTORS = words(`arp bcache bonding btrfs conntrack cpu cpufreq diskstats dmi edac entropy fibrechannel filefd
  filesystem hwmon infiniband ipvs loadavg mdadm meminfo netclass netdev netstat nfs nfsd nvme os powersupplyclass pressure
  rapl schedstat selinux sockstat softnet stat tapestats textfile thermal_zone time timex udp_queues uname vmstat xfs zfs`);
const GO_METRICS = words(`go_gc_duration_seconds_sum go_gc_duration_seconds_count go_goroutines go_threads go_info
  go_memstats_alloc_bytes go_memstats_alloc_bytes_total go_memstats_buck_hash_sys_bytes go_memstats_frees_total
  go_memstats_gc_sys_bytes go_memstats_heap_alloc_bytes go_memstats_heap_idle_bytes go_memstats_heap_inuse_bytes
  go_memstats_heap_objects go_memstats_heap_released_bytes go_memstats_heap_sys_bytes go_memstats_last_gc_time_seconds
  go_memstats_lookups_total go_memstats_mallocs_total go_memstats_mcache_inuse_bytes go_memstats_mcache_sys_bytes
  go_memstats_mspan_inuse_bytes go_memstats_mspan_sys_bytes go_memstats_next_gc_bytes go_memstats_other_sys_bytes
  go_memstats_stack_inuse_bytes go_memstats_stack_sys_bytes go_memstats_sys_bytes process_cpu_seconds_total
  process_max_fds process_open_fds process_resident_memory_bytes process_start_time_seconds process_virtual_memory_bytes
  process_virtual_memory_max_bytes promhttp_metric_handler_requests_in_flight`);

/** One node_exporter's families and their label sets (besides instance and job). */
function* hostFamilies(): Generator<{ name: string; labels: Record<string, string> }> {
  const cpus = Array.from({ length: 8 }, (_, i) => String(i));
  for (const cpu of cpus) for (const mode of CPU_MODES) yield { name: 'node_cpu_seconds_total', labels: { cpu, mode } };
  for (const cpu of cpus) for (const mode of ['nice', 'user']) yield { name: 'node_cpu_guest_seconds_total', labels: { cpu, mode } };
  for (const cpu of cpus) for (const m of PER_CPU) yield { name: `node_${m}`, labels: { cpu } };
  for (const labels of FILESYSTEMS) {
    for (const m of ['avail_bytes', 'device_error', 'files', 'files_free', 'free_bytes', 'readonly', 'size_bytes']) yield { name: `node_filesystem_${m}`, labels };
  }
  for (const device of DISKS) for (const m of DISK_METRICS) yield { name: `node_disk_${m}`, labels: { device } };
  for (const device of NICS) for (const m of NETWORK_METRICS) yield { name: `node_network_${m}`, labels: { device } };
  for (const m of MEMINFO) yield { name: `node_memory_${m}_bytes`, labels: {} };
  for (const name of HOST_METRICS) yield { name, labels: {} };
  for (const collector of COLLECTORS) for (const m of ['duration_seconds', 'success']) yield { name: `node_scrape_collector_${m}`, labels: { collector } };
  for (const quantile of ['0', '0.25', '0.5', '0.75', '1']) yield { name: 'go_gc_duration_seconds', labels: { quantile } };
  for (const name of GO_METRICS) yield { name, labels: {} };
  for (const [chip, sensors] of [['platform_coretemp_0', 9], ['nvme_nvme0', 3]] as const) {
    for (let s = 1; s <= sensors; s++) yield { name: 'node_hwmon_temp_celsius', labels: { chip, sensor: `temp${s}` } };
  }
}

function nodeExporterFleet(count: number): FleetSeries[] {
  const random = prng(20_240_601);
  const fleet: FleetSeries[] = [];
  for (let host = 0; fleet.length < count; host++) {
    const instance = `node-${String(host).padStart(4, '0')}.prod.example.net:9100`;
    for (const family of hostFamilies()) {
      if (fleet.length === count) break;
      const all: Record<string, string> = { __name__: family.name, instance, job: 'node', ...family.labels };
      const labels = Object.keys(all)
        .sort()
        .map((name) => ({ name, value: all[name] }));
      const counter = /_(total|count|sum)$/.test(family.name);
      const bytes = family.name.includes('bytes');
      fleet.push({
        labels,
        counter,
        help: `${family.name.replace(/_/g, ' ')} (node_exporter).`,
        base: Math.round(random() * (bytes ? 1e11 : 1e4) * 100) / 100,
        rate: counter ? random() * (bytes ? 1e6 : 10) : 0,
        decimals: bytes || /(_total|_count)$/.test(family.name) ? 0 : 2,
      });
    }
  }
  return fleet;
}

/** The value of series `i` in round `round`: counters climb, gauges wander. */
function valueAt(s: FleetSeries, i: number, round: number): number {
  const raw = s.counter ? s.base + round * s.rate : s.base * (1 + 0.05 * Math.sin(round / 7 + i));
  const scale = 10 ** s.decimals;
  return Math.round(raw * scale) / scale;
}

// ---- Bodies: encoded once, then only their samples' bytes rewritten -----------------------

type Format = 'rw1' | 'rw2' | 'grpc';
interface Sample {
  readonly value: number;
  readonly timestamp: number;
}
/** Where each series' sample timestamp (a 6-byte varint) and value (8 bytes) sit in `bytes`. */
interface Patchable {
  readonly bytes: Buffer;
  readonly tsAt: Int32Array;
  readonly valueAt: Int32Array;
}
interface BodyTemplate {
  readonly series: readonly number[];
  readonly body: Patchable;
  /** A sample straddles two literal elements of the snappy block: the raw message is patched and compressed per send instead. */
  readonly compressEachTime: boolean;
}

/** Timestamps stay 6-byte varints (2^35..2^42 ms: 1971..2109), so every sample keeps its place. */
const TS_MIN = 2 ** 35;
const TS_MAX = 2 ** 42;

function encodeBody(format: Format, fleet: readonly FleetSeries[], series: readonly number[], samples: readonly Sample[]): Buffer {
  if (format === 'rw1') {
    return Buffer.from(
      prometheus.WriteRequest.encode({
        timeseries: series.map((i, k) => ({ labels: [...fleet[i].labels], samples: [samples[k]], exemplars: [], histograms: [] })),
        metadata: [],
      }).finish(),
    );
  }
  if (format === 'rw2') {
    const symbols = [''];
    const refs = new Map<string, number>([['', 0]]);
    const ref = (s: string) => {
      let r = refs.get(s);
      if (r === undefined) {
        r = symbols.push(s) - 1;
        refs.set(s, r);
      }
      return r;
    };
    const timeseries = series.map((i, k) => ({
      labelsRefs: fleet[i].labels.flatMap((l) => [ref(l.name), ref(l.value)]),
      samples: [samples[k]],
      histograms: [],
      exemplars: [],
      metadata: {
        type: fleet[i].counter ? prometheusWriteV2.Metadata_MetricType.METRIC_TYPE_COUNTER : prometheusWriteV2.Metadata_MetricType.METRIC_TYPE_GAUGE,
        helpRef: ref(fleet[i].help),
        unitRef: 0,
      },
      createdTimestamp: 0,
    }));
    return Buffer.from(prometheusWriteV2.Request.encode({ symbols, timeseries }).finish());
  }
  return Buffer.from(
    WriteRequest.encode({
      series: series.map((i, k) => {
        const [name, ...labels] = fleet[i].labels; // __name__ sorts first
        return { name: name.value, labels, points: [{ timestampMs: samples[k].timestamp, value: samples[k].value }] };
      }),
    }).finish(),
  );
}

function writeVarint6(target: Buffer, at: number, value: number): void {
  let v = value;
  for (let k = 0; k < 5; k++) {
    target[at + k] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  target[at + 5] = v;
}

/** A copy of `p.bytes` with sample k's timestamp and value written in. */
function patched(p: Patchable, timestamp: number, value: (k: number) => number): Buffer {
  const out = Buffer.allocUnsafe(p.bytes.length);
  p.bytes.copy(out);
  writeVarint6(out, p.tsAt[0], timestamp);
  const ts = out.subarray(p.tsAt[0], p.tsAt[0] + 6);
  for (let k = 0; k < p.tsAt.length; k++) {
    if (k > 0) ts.copy(out, p.tsAt[k]);
    out.writeDoubleLE(value(k), p.valueAt[k]);
  }
  return out;
}

/** Finds each placeholder sample's bytes in the encoded message, in order; undefined if one is missing. */
function locate(bytes: Buffer, samples: readonly Sample[]): Patchable | undefined {
  const tsAt = new Int32Array(samples.length);
  const valueAt = new Int32Array(samples.length);
  let from = 0;
  const ts = Buffer.alloc(6);
  const value = Buffer.alloc(8);
  for (let k = 0; k < samples.length; k++) {
    writeVarint6(ts, 0, samples[k].timestamp);
    value.writeDoubleLE(samples[k].value);
    tsAt[k] = bytes.indexOf(ts, from);
    valueAt[k] = bytes.indexOf(value, from);
    if (tsAt[k] < 0 || valueAt[k] < 0) return undefined;
    from = Math.max(tsAt[k] + 6, valueAt[k] + 8);
  }
  return { bytes, tsAt, valueAt };
}

/**
 * Encodes the body once with placeholder samples and finds each sample's bytes in the
 * message and, for remote write, in its snappy block (compressed with the samples as
 * rewritable literals); both are checked by patching in other samples and comparing with a
 * fresh encoding. A send then costs a copy and 14 bytes per sample, not an encoding and a
 * compression, so the generator takes little of the 2 cores it shares with what it
 * measures. Every sample of a body carries the same timestamp, as one scrape's do.
 */
function bodyTemplate(format: Format, fleet: readonly FleetSeries[], series: readonly number[], random: () => number): BodyTemplate {
  const placeholders = series.map(() => ({ value: 1_024 + random() * 1_024, timestamp: TS_MIN + Math.floor(random() * (TS_MAX - TS_MIN)) }));
  const raw = encodeBody(format, fleet, series, placeholders);
  const slots = locate(raw, placeholders);
  if (!slots) throw new Error(`${format}: the placeholder samples are not in the encoded body`);
  const check = { timestamp: 2 ** 40 + 12_345, value: (k: number) => k + 0.5 };
  const expected = encodeBody(format, fleet, series, series.map((_, k) => ({ timestamp: check.timestamp, value: check.value(k) })));
  const plain = (p: Patchable) => patched(p, check.timestamp, check.value);
  if (!plain(slots).equals(expected)) throw new Error(`${format}: patching the encoded body does not give the encoding of the new samples`);
  if (format === 'grpc') return { series, body: slots, compressEachTime: false };
  const volatile = new Uint8Array(raw.length);
  for (let k = 0; k < series.length; k++) {
    volatile.fill(1, slots.tsAt[k], slots.tsAt[k] + 6);
    volatile.fill(1, slots.valueAt[k], slots.valueAt[k] + 8);
  }
  const { block, outputOf } = snappyCompressWithLiterals(raw, volatile);
  const moved = (offsets: Int32Array, width: number) =>
    offsets.map((at) => (outputOf(at) >= 0 && outputOf(at + width - 1) === outputOf(at) + width - 1 ? outputOf(at) : -1));
  const compressed = { bytes: block, tsAt: moved(slots.tsAt, 6), valueAt: moved(slots.valueAt, 8) };
  const inPlace =
    !compressed.tsAt.includes(-1) && !compressed.valueAt.includes(-1) && snappyUncompress(plain(compressed), MAX_BODY_BYTES).equals(expected);
  return inPlace ? { series, body: compressed, compressEachTime: false } : { series, body: slots, compressEachTime: true };
}

function templates(format: Format, fleet: readonly FleetSeries[], batch: number): BodyTemplate[] {
  const random = prng(batch * 31 + format.length);
  const out: BodyTemplate[] = [];
  for (let first = 0; first < fleet.length; first += batch) {
    const series = Array.from({ length: Math.min(batch, fleet.length - first) }, (_, k) => first + k);
    out.push(bodyTemplate(format, fleet, series, random));
  }
  return out;
}

// ---- Targets: where a body goes, and what counts as stored -------------------------------

const remoteWriteTarget = (port: number, version: '1.0' | '2.0', apiKey: string) => remoteWriteTo({ port, version, apiKey, connections: CONCURRENCY });

interface CpuSnapshot {
  readonly at: number;
  readonly target: number;
  readonly stack: number;
  readonly generator: number;
  readonly machine: { busy: number; total: number };
}

function snapshot(targetPid: number, stackPids: readonly number[]): CpuSnapshot {
  const usage = process.cpuUsage();
  return {
    at: performance.now(),
    target: cpuSeconds(targetPid),
    stack: stackPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0),
    generator: (usage.user + usage.system) / 1e6,
    machine: machineCpu(),
  };
}

// ---- One measured run: warm-up, then a fixed span ------------------------------------------

interface PhaseResult {
  readonly label: string;
  readonly samples: number;
  readonly seconds: number;
  readonly latencies: number[];
  readonly failures: Map<string, { count: number; first: string }>;
  readonly warmupFailures: number;
  /** Why the run was cut short: its target failed every request for a while. */
  readonly stopped?: string;
  readonly cpu: { target: number; stack: number; generator: number; machineBusy: number };
  readonly bytesPerSample: number;
  readonly compressedPerSend: number;
}

/** Each connection's round, carried from run to run so that every series' samples only move forward. */
class RoundClock {
  private next = 0;
  constructor(readonly firstTimestamp: number) {}
  start(): number {
    return this.next;
  }
  reached(round: number): void {
    this.next = Math.max(this.next, round + 1);
  }
  timestamp(round: number): number {
    const ts = this.firstTimestamp + round * STEP_MS;
    if (ts >= Date.now() + 5 * 60_000) throw new Error(`round ${round} is ${((ts - Date.now()) / 60_000).toFixed(1)} min ahead of the clock: lower BENCH_RW_SECONDS or raise STEP_MS`);
    return ts;
  }
}

async function runPhase(options: {
  label: string;
  fleet: readonly FleetSeries[];
  bodies: readonly BodyTemplate[];
  target: Target;
  targetPid: number;
  stackPids: readonly number[];
  clock: RoundClock;
  seconds: number;
}): Promise<PhaseResult> {
  const { fleet, bodies, target, clock } = options;
  if (bodies.length < CONCURRENCY) throw new Error(`${bodies.length} bodies per round for ${CONCURRENCY} connections: raise BENCH_RW_SERIES`);
  // Connection w owns bodies w, w + CONCURRENCY, ...: a series always goes over the same
  // connection, in time order, as a Prometheus shard sends it (a receiver may refuse a
  // sample older than the series' last one).
  const owned = Array.from({ length: CONCURRENCY }, (_, w) => bodies.filter((_, j) => j % CONCURRENCY === w));
  const rounds = owned.map(() => clock.start());
  const fullRounds = owned.map(() => 0);
  const cursor = owned.map(() => 0);
  let samples = 0;
  const latencies: number[] = [];
  const failures = new Map<string, { count: number; first: string }>();
  let compressedPerSend = 0;
  let stopped: string | undefined;
  const failedInARow = owned.map(() => 0);

  const drive = async (w: number, until: () => boolean, measured: boolean) => {
    while (!until() && stopped === undefined) {
      const template = owned[w][cursor[w]];
      const round = rounds[w];
      const series = template.series;
      const body = patched(template.body, clock.timestamp(round), (k) => valueAt(fleet[series[k]], series[k], round));
      if (template.compressEachTime) compressedPerSend++;
      const outcome = await target.send(w, template.compressEachTime ? snappyCompress(body) : body, series.length);
      if (measured) {
        latencies.push(outcome.ms);
        if (outcome.ok) samples += series.length;
      }
      if (!outcome.ok) {
        const seen = failures.get(outcome.code) ?? { count: 0, first: outcome.detail };
        seen.count++;
        failures.set(outcome.code, seen);
        // A target that fails everything answers fast: stop before the rounds race ahead.
        if (++failedInARow[w] === 20) stopped ??= `20 failures in a row on connection ${w}, the last ${outcome.code}: ${outcome.detail.split('\n')[0]}`;
      } else {
        failedInARow[w] = 0;
      }
      if (++cursor[w] === owned[w].length) {
        cursor[w] = 0;
        rounds[w]++;
        fullRounds[w]++;
      }
    }
  };
  const all = (until: () => boolean, measured: boolean) => Promise.all(owned.map((_, w) => drive(w, until, measured)));

  // Warm-up: at least WARMUP_SECONDS, and every series sent at least once (a new series
  // costs a registry round trip in Strata and a head series in Prometheus).
  const warmEnd = Date.now() + WARMUP_SECONDS * 1_000;
  await all(() => Date.now() >= warmEnd && fullRounds.every((r) => r >= 1), false);
  const warmupFailures = [...failures.values()].reduce((n, f) => n + f.count, 0);
  if (stopped === undefined) failures.clear();
  compressedPerSend = 0;

  const before = snapshot(options.targetPid, options.stackPids);
  const deadline = Date.now() + options.seconds * 1_000;
  await all(() => Date.now() >= deadline, true);
  const after = snapshot(options.targetPid, options.stackPids);
  rounds.forEach((r) => clock.reached(r));

  const bytes = bodies.reduce((n, b) => n + b.body.bytes.length, 0);
  return {
    label: options.label,
    samples,
    seconds: (after.at - before.at) / 1_000,
    latencies,
    failures,
    warmupFailures,
    stopped,
    cpu: {
      target: after.target - before.target,
      stack: after.stack - before.stack,
      generator: after.generator - before.generator,
      machineBusy: (after.machine.busy - before.machine.busy) / (after.machine.total - before.machine.total),
    },
    bytesPerSample: bytes / fleet.length,
    compressedPerSend,
  };
}

// ---- Prometheus 2.42 as a remote-write receiver --------------------------------------------

/** Debian's Prometheus, installed with apt as the Prometheus system tests install it; a sentence saying why not otherwise. */
async function prometheusBinary(): Promise<string | { skipped: string }> {
  if (PROMETHEUS === 'off') return { skipped: 'BENCH_PROMETHEUS=off: the Prometheus reference is skipped' };
  try {
    return (await ensurePrometheusTools({ logger: { info: (line) => console.log(`  ${line}`), warn: (line) => console.warn(`  ${line}`) } })).prometheus;
  } catch (error) {
    return { skipped: `the Prometheus reference is skipped: ${(error as Error).message}` };
  }
}

interface PrometheusReceiver {
  readonly pid: number;
  readonly port: number;
  readonly version: string;
  logTail(): string;
  stop(): Promise<void>;
}

async function startPrometheus(bin: string, dir: string): Promise<PrometheusReceiver> {
  const config = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(config, '# the remote-write bench: a receiver only, nothing scraped\nglobal:\n  scrape_interval: 1m\n');
  const peer = await startPeerProcess({
    name: 'prometheus',
    bin,
    dir,
    readyPath: '/-/ready',
    readyTimeoutMs: 30_000,
    args: (port) => [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver', '--log.level=warn'],
  });
  const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).split('\n')[0].trim();
  return { pid: peer.pid, port: peer.port, version, logTail: () => peer.logTail(), stop: peer.stop };
}

// ---- The run ---------------------------------------------------------------------------------

async function main(): Promise<void> {
  const began = Date.now();
  const fleet = nodeExporterFleet(SERIES);
  const encodeBegan = performance.now();
  const bodies = {
    rw1: templates('rw1', fleet, BATCH),
    rw1Small: templates('rw1', fleet, SMALL_BATCH),
    rw2: templates('rw2', fleet, BATCH),
    grpc: templates('grpc', fleet, BATCH),
  };
  const encodeMs = performance.now() - encodeBegan;
  // 90 minutes back: room for thousands of rounds before the future grace (10 min), and
  // inside Prometheus's head block (it compacts once the head spans 3 h).
  const clock = new RoundClock(Math.floor((Date.now() - 90 * 60_000) / STEP_MS) * STEP_MS);

  const prometheusBin = await prometheusBinary();
  console.log(
    `remote write: ${fleet.length} node_exporter-like series (${Math.ceil(fleet.length / 490)} hosts; __name__, instance, job, cpu/mode/device/mountpoint...), ` +
      `${CONCURRENCY} keep-alive connections, each sending its own series in time order; ${WARMUP_SECONDS} s warm-up (and every series once), then ${SECONDS} s measured ` +
      `(${SMALL_BATCH_SECONDS} s at ${SMALL_BATCH}/request); bodies encoded once (${encodeMs.toFixed(0)} ms), samples patched in per send`,
  );
  console.log(
    `  ${CORES} cores shared by this generator, Kafka, Redis and ingest (and Prometheus in its run): throughput is the machine's, CPU s per million samples is the cost`,
  );

  const system = await StrataSystem.start({
    name: 'bench-remote-write',
    baseEnv: process.env,
    services: ['kafka', 'redis'],
    ingestEnv: {
      STRATA_LOG_LEVEL: 'warn',
      // The tenant's rates out of the way: the bench measures the path, not the limits.
      STRATA_TENANT_POINTS_PER_SECOND: '1000000000',
      STRATA_TENANT_BYTES_PER_SECOND: '100000000000',
    },
  });
  const results: PhaseResult[] = [];
  let reference: { result: PhaseResult; version: string } | string;
  try {
    const ingestPid = system.ingest.pid;
    const httpPort = system.ingest.options.httpApiPort!;
    const stackPids = processesUnder(system.stack.stateDir);
    const names = stackPids.map((pid) => `${fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim()} (${pid})`);
    console.log(`  private stack in ${system.stack.stateDir}: ${names.join(', ')}; ingest pid ${ingestPid}`);
    const phases: Array<{ label: string; bodies: BodyTemplate[]; target: () => Target; seconds: number }> = [
      { label: `Strata remote write 1.0, ${BATCH}/request`, bodies: bodies.rw1, target: () => remoteWriteTarget(httpPort, '1.0', system.apiKey), seconds: SECONDS },
      { label: `Strata remote write 2.0, ${BATCH}/request`, bodies: bodies.rw2, target: () => remoteWriteTarget(httpPort, '2.0', system.apiKey), seconds: SECONDS },
      { label: `Strata gRPC Write, ${BATCH} series x 1 point`, bodies: bodies.grpc, target: () => grpcWriteTarget({ address: system.ingest.grpcAddress, apiKey: system.apiKey, connections: CONCURRENCY }), seconds: SECONDS },
      { label: `Strata remote write 1.0, ${SMALL_BATCH}/request`, bodies: bodies.rw1Small, target: () => remoteWriteTarget(httpPort, '1.0', system.apiKey), seconds: SMALL_BATCH_SECONDS },
    ];
    for (const phase of phases) {
      const target = phase.target();
      try {
        const result = await runPhase({ ...phase, fleet, target, targetPid: ingestPid, stackPids, clock });
        results.push(result);
        report(result, () => system.ingest.logTail(30));
      } finally {
        target.close();
      }
    }

    if (typeof prometheusBin !== 'string') {
      reference = prometheusBin.skipped;
    } else {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-prometheus-'));
      try {
        const receiver = await startPrometheus(prometheusBin, dir);
        const target = remoteWriteTarget(receiver.port, '1.0', 'unused');
        try {
          const result = await runPhase({ label: `Prometheus receiver, remote write 1.0, ${BATCH}/request`, fleet, bodies: bodies.rw1, target, targetPid: receiver.pid, stackPids, clock, seconds: SECONDS });
          report(result, () => receiver.logTail());
          reference = { result, version: receiver.version };
        } finally {
          target.close();
          await receiver.stop();
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await system.stop();
  }
  printResults(results, reference, bodies, (Date.now() - began) / 1_000);
}

const rate = (r: PhaseResult) => r.samples / r.seconds;
/** Cores the machine was busy with beyond the receiver, the stack and the generator: the idle ingest in the Prometheus run, and anything else. */
const otherCores = (r: PhaseResult) => (r.cpu.machineBusy * CORES * r.seconds - r.cpu.target - r.cpu.stack - r.cpu.generator) / r.seconds;
const perMillion = (cpuSeconds: number, r: PhaseResult) => (cpuSeconds / r.samples) * 1e6;

function progressLine(r: PhaseResult): string {
  const failures = [...r.failures].map(([code, f]) => `${f.count} x ${code} (first: ${f.first.split('\n')[0]})`);
  return `  ${r.label}: ${r.samples} samples in ${r.seconds.toFixed(1)} s${failures.length > 0 ? `; failed: ${failures.join(', ')}` : ''}`;
}

/** Prints a run's line; a run cut short ends the bench, with the receiver's log tail. */
function report(r: PhaseResult, logTail: () => string): void {
  console.log(progressLine(r));
  if (r.stopped !== undefined) throw new Error(`${r.label}: ${r.stopped}; the receiver's log ends with:\n${logTail()}`);
}

function printResults(
  results: readonly PhaseResult[],
  reference: { result: PhaseResult; version: string } | string,
  bodies: Record<string, readonly BodyTemplate[]>,
  totalSeconds: number,
): void {
  const [rw1, rw2, grpcResult] = results;
  const cores = (cpu: number, r: PhaseResult) => (cpu / r.seconds).toFixed(2);
  const columns: Array<{ head: [string, string]; width: number; cell: (r: PhaseResult) => string }> = [
    { head: ['', ''], width: 50, cell: (r) => r.label },
    { head: ['', 'samples/s'], width: 10, cell: (r) => String(Math.round(rate(r))) },
    { head: ['CPU s/1M', 'receiver'], width: 9, cell: (r) => perMillion(r.cpu.target, r).toFixed(2) },
    { head: ['CPU s/1M', 'Kafka+Redis'], width: 12, cell: (r) => perMillion(r.cpu.stack, r).toFixed(2) },
    { head: ['CPU s/1M', 'generator'], width: 10, cell: (r) => perMillion(r.cpu.generator, r).toFixed(2) },
    { head: ['cores', 'receiver'], width: 9, cell: (r) => cores(r.cpu.target, r) },
    { head: ['cores', 'others'], width: 7, cell: (r) => otherCores(r).toFixed(2) },
    { head: ['machine', 'busy'], width: 8, cell: (r) => `${(r.cpu.machineBusy * 100).toFixed(0)}%` },
    { head: ['latency', 'p50 ms'], width: 8, cell: (r) => median(r.latencies).toFixed(1) },
    { head: ['latency', 'p99 ms'], width: 8, cell: (r) => percentile(r.latencies, 99).toFixed(1) },
    { head: ['not', 'ok'], width: 4, cell: (r) => String(r.latencies.length - countOk(r)) },
    { head: ['bytes/', 'sample'], width: 7, cell: (r) => r.bytesPerSample.toFixed(1) },
  ];
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i === 0 ? c.padEnd(columns[i].width) : c.padStart(columns[i].width))).join(' ')}`;
  const all = typeof reference === 'string' ? results : [...results, reference.result];
  const lines = [
    '',
    `remote write results (one run, ${totalSeconds.toFixed(0)} s in all; ${CORES} cores shared by the generator, Kafka, Redis and the receiver)`,
    line(columns.map((c) => c.head[0])),
    line(columns.map((c) => c.head[1])),
    ...all.map((r) => line(columns.map((c) => c.cell(r)))),
    '',
    `  remote write 1.0 / gRPC: ${(rate(rw1) / rate(grpcResult)).toFixed(2)}x the samples/s, ${(perMillion(rw1.cpu.target, rw1) / perMillion(grpcResult.cpu.target, grpcResult)).toFixed(2)}x ingest's CPU per sample`,
    `  remote write 2.0 / gRPC: ${(rate(rw2) / rate(grpcResult)).toFixed(2)}x the samples/s, ${(perMillion(rw2.cpu.target, rw2) / perMillion(grpcResult.cpu.target, grpcResult)).toFixed(2)}x ingest's CPU per sample`,
  ];
  if (typeof reference === 'string') {
    lines.push(`  ${reference}`);
  } else {
    const p = reference.result;
    lines.push(
      `  Strata remote write 1.0 / ${reference.version}: ${(rate(rw1) / rate(p)).toFixed(2)}x the samples/s, ` +
        `${(perMillion(rw1.cpu.target, rw1) / perMillion(p.cpu.target, p)).toFixed(2)}x the receiver's CPU per sample ` +
        `(${((perMillion(rw1.cpu.target + rw1.cpu.stack, rw1)) / perMillion(p.cpu.target, p)).toFixed(2)}x counting Kafka and Redis; Prometheus stores in its own TSDB, Strata only logs to Kafka here)`,
    );
  }
  const grpcBytes = bodies['grpc'][0].body.bytes.length;
  lines.push(
    `  bodies: remote write 1.0 snappy ${avgBytes(bodies['rw1'])} B/sample, 2.0 ${avgBytes(bodies['rw2'])} B/sample, gRPC ${avgBytes(bodies['grpc'])} B/sample; ` +
      `a ${BATCH}-series gRPC body is ${(grpcBytes / 1024).toFixed(0)} KiB, ${grpcBytes >= 256 * 1024 ? 'at least' : 'under'} STRATA_INGEST_PREPARATION_MIN_BYTES (256 KiB by default), ` +
      `so ingest decodes it ${grpcBytes >= 256 * 1024 ? 'in a worker thread' : 'on the event loop'}; remote write bodies are always decoded on the event loop`,
    '  receiver: ingest, or Prometheus in its run; "Kafka+Redis": the private stack\'s processes (idle in the Prometheus run); "others": the rest of the',
    '  machine\'s busy time (the idle ingest in the Prometheus run, anything else running); "not ok": answers other than 204 (gRPC: OK with every point accepted), must be 0',
  );
  for (const r of all) {
    if (otherCores(r) > 0.2) {
      lines.push(`  ${r.label}: other processes took ${otherCores(r).toFixed(2)} cores meanwhile: its samples/s are understated, and its CPU per sample a little overstated (shared cores and caches)`);
    }
    for (const [code, f] of r.failures) lines.push(`  ${r.label}: ${f.count} x ${code}; first: ${f.first.split('\n')[0]}`);
    if (r.warmupFailures > 0) lines.push(`  ${r.label}: ${r.warmupFailures} failed requests during the warm-up`);
    if (r.compressedPerSend > 0) lines.push(`  ${r.label}: ${r.compressedPerSend} bodies compressed per send (their snappy block could not be patched)`);
  }
  console.log(lines.join('\n'));
}

function countOk(r: PhaseResult): number {
  return r.latencies.length - [...r.failures.values()].reduce((n, f) => n + f.count, 0);
}

function avgBytes(bodies: readonly BodyTemplate[]): string {
  const bytes = bodies.reduce((n, b) => n + b.body.bytes.length, 0);
  const samples = bodies.reduce((n, b) => n + b.series.length, 0);
  return (bytes / samples).toFixed(1);
}

runBench(main);
