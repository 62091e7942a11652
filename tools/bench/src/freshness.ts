import type { Metadata } from '@grpc/grpc-js';
import type { IngestServiceClient, QueryServiceClient, ReadResponse } from '@strata/proto';

/**
 * Time-to-readable as the prober measures it: write one unique point, then poll Read until
 * that exact point comes back. Returns milliseconds from sending the write.
 */
export async function probeOnce(
  ingest: IngestServiceClient,
  reader: QueryServiceClient,
  metadata: Metadata,
  probeId: number,
  timeoutMs = 10_000,
): Promise<number> {
  const timestampMs = Date.now();
  const value = probeId + 0.5;
  const labels = [{ name: 'probe', value: String(probeId % 16) }];
  const began = process.hrtime.bigint();
  await new Promise<void>((ok, fail) =>
    ingest.write({ series: [{ name: 'bench.freshness', labels, points: [{ timestampMs, value }] }] }, metadata, (error) =>
      error ? fail(error) : ok(),
    ),
  );
  let delayMs = 1;
  for (;;) {
    const points = await readPoints(reader, metadata, labels, timestampMs);
    if (points.some((p) => p.timestampMs === timestampMs && p.value === value)) {
      return Number(process.hrtime.bigint() - began) / 1e6;
    }
    if (Number(process.hrtime.bigint() - began) / 1e6 > timeoutMs) throw new Error(`probe ${probeId} not readable in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    delayMs = Math.min(delayMs * 2, 20);
  }
}

function readPoints(
  reader: QueryServiceClient,
  metadata: Metadata,
  labels: Array<{ name: string; value: string }>,
  timestampMs: number,
): Promise<Array<{ timestampMs: number; value: number }>> {
  return new Promise((ok, fail) => {
    const points: Array<{ timestampMs: number; value: number }> = [];
    const call = reader.read(
      { matchers: [], series: [{ name: 'bench.freshness', labels }], fromMs: timestampMs, toMs: timestampMs + 1, stepMs: 0, aggregation: 0 },
      metadata,
    );
    call.on('data', (response: ReadResponse) => {
      for (const series of response.series) points.push(...series.points);
    });
    call.on('error', fail);
    call.on('end', () => ok(points));
  });
}
