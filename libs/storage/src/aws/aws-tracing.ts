import { context, SpanKind, trace, type Attributes, type Tracer } from '@opentelemetry/api';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { inSpan } from '@strata/runtime';

interface CallInput {
  readonly TableName?: unknown;
  readonly RequestItems?: Record<string, unknown>;
  readonly Bucket?: unknown;
  readonly Key?: unknown;
}

function inputAttributes(service: string, input: CallInput): Attributes {
  if (service === 'S3') {
    return {
      ...(typeof input.Bucket === 'string' && { 'aws.s3.bucket': input.Bucket }),
      ...(typeof input.Key === 'string' && { 'aws.s3.key': input.Key }),
    };
  }
  const tables = typeof input.TableName === 'string' ? [input.TableName] : Object.keys(input.RequestItems ?? {});
  return tables.length > 0 ? { 'aws.dynamodb.table_names': tables } : {};
}

/**
 * Adds a middleware that makes every call of `client` a CLIENT span (`DynamoDB.Query`,
 * `S3.GetObject`...). It sits in the initialize step, so one span covers the SDK's
 * retries; the attempt count is recorded on it. Only calls made inside a traced operation
 * get a span: readiness probes and other background calls would otherwise each start a
 * trace of their own. Without a tracer nothing is added.
 */
export function traceAwsClient<C extends DynamoDBClient | S3Client>(client: C, tracer: Tracer | undefined): C {
  if (!tracer) return client;
  const service = (client.config as { serviceId?: string }).serviceId ?? 'AWS';
  (client as DynamoDBClient).middlewareStack.add(
    (next, handlerContext) => (args) => {
      if (!trace.getSpan(context.active())) return next(args);
      const method = (handlerContext.commandName ?? 'Unknown').replace(/Command$/, '');
      const attributes = {
        'rpc.system': 'aws-api',
        'rpc.service': service,
        'rpc.method': method,
        ...inputAttributes(service, args.input as CallInput),
      };
      return inSpan(tracer, `${service}.${method}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
        const output = await next(args);
        const attempts = (output.output as { $metadata?: { attempts?: number } }).$metadata?.attempts;
        if (attempts !== undefined) span?.setAttribute('strata.aws.attempts', attempts);
        return output;
      });
    },
    { step: 'initialize', name: 'strataTracing', override: true },
  );
  return client;
}
