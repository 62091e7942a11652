import { context, SpanKind, trace, type Tracer } from '@opentelemetry/api';
import { inSpan } from '@strata/runtime';
import type { Cluster, Redis } from 'ioredis';

type PipelineResults = Array<[Error | null, unknown]> | null;

/**
 * Makes every pipeline of `client` a CLIENT span covering its exec (one round trip, or one
 * per node on a Cluster). Single commands outside pipelines (the sealer's Lua scripts, a
 * cluster's per-command writes) are not traced: a span each would cost more than they say.
 * Like the AWS spans, only pipelines run inside a traced operation get one. Without a
 * tracer the client is returned untouched.
 */
export function traceRedisPipelines<C extends Redis | Cluster>(client: C, tracer: Tracer | undefined): C {
  if (!tracer) return client;
  const server: Record<string, string | number> =
    'isCluster' in client && client.isCluster
      ? {}
      : { 'server.address': (client as Redis).options.host ?? '', 'server.port': (client as Redis).options.port ?? 6379 };
  const createPipeline = client.pipeline.bind(client) as (commands?: unknown[][]) => ReturnType<C['pipeline']>;
  const traced = (commands?: unknown[][]) => {
    const pipeline = createPipeline(commands);
    const exec = pipeline.exec.bind(pipeline) as (callback?: unknown) => Promise<PipelineResults>;
    pipeline.exec = ((callback?: unknown) => {
      if (callback !== undefined) return exec(callback);
      const size = (pipeline as unknown as { length: number }).length;
      return tracePipeline(tracer, size, server, async () => {
        const results = await exec();
        return { results, failed: results?.filter(([error]) => error !== null).length ?? size };
      });
    }) as typeof pipeline.exec;
    return pipeline;
  };
  client.pipeline = traced as C['pipeline'];
  return client;
}

/**
 * Runs one pipeline of `size` commands as a CLIENT span, when a traced operation is active
 * (otherwise just runs it). `exec` says how many commands failed.
 */
export async function tracePipeline<T>(
  tracer: Tracer | undefined,
  size: number,
  server: Record<string, string | number>,
  exec: () => Promise<{ results: T; failed: number }>,
): Promise<T> {
  if (!tracer || !trace.getSpan(context.active())) return (await exec()).results;
  const attributes = { 'db.system.name': 'redis', 'db.operation.name': 'PIPELINE', 'db.operation.batch.size': size, ...server };
  return inSpan(tracer, 'redis PIPELINE', { kind: SpanKind.CLIENT, attributes }, async (span) => {
    const { results, failed } = await exec();
    if (failed > 0) span?.setAttribute('strata.redis.failed_commands', failed);
    return results;
  });
}
