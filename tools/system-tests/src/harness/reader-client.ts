import * as grpc from '@grpc/grpc-js';
import { seriesKey } from '@strata/model';
import { QueryServiceClient, type ReadRequest, type ReadResponse } from '@strata/proto';

export interface ReadResult {
  /** Points by series key, in the order the stream gave them (a series may span messages). */
  readonly series: ReadonlyMap<string, ReadonlyArray<readonly [timestampMs: number, value: number]>>;
  readonly warnings: readonly string[];
}

export function createReaderClient(address: string): QueryServiceClient {
  return new QueryServiceClient(address, grpc.credentials.createInsecure());
}

/** One Read with `x-api-key`, every message of its stream collected; rejects on a gRPC error. */
export function readAll(client: QueryServiceClient, apiKey: string, request: ReadRequest, timeoutMs = 30_000): Promise<ReadResult> {
  const metadata = new grpc.Metadata();
  metadata.set('x-api-key', apiKey);
  const series = new Map<string, Array<readonly [number, number]>>();
  const warnings: string[] = [];
  return new Promise((resolve, reject) => {
    const stream = client.read(request, metadata, { deadline: Date.now() + timeoutMs });
    stream.on('data', (message: ReadResponse) => {
      warnings.push(...message.warnings);
      for (const s of message.series) {
        const key = seriesKey(s.name, s.labels);
        let points = series.get(key);
        if (!points) series.set(key, (points = []));
        for (const p of s.points) points.push([p.timestampMs, p.value]);
      }
    });
    stream.on('error', reject);
    stream.on('end', () => resolve({ series, warnings }));
  });
}
