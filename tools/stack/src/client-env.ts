import { openStack, type StackOptions } from './stack-runtime';

/**
 * The settings a Strata process (or a test) needs to use this stack: endpoints, plus the
 * topic, table and bucket the stack provisions. Computed from configuration alone; starts
 * nothing. `stack env` prints them as shell exports.
 */
export function stackClientEnv(options: StackOptions): Record<string, string> {
  const rt = openStack(options);
  return {
    ...(Object.assign({}, ...rt.services.map((s) => s.clientEnv)) as Record<string, string>),
    STRATA_KAFKA_TOPIC: rt.config.kafka.topic,
    STRATA_DYNAMODB_TABLE: rt.config.dynamodb.table,
    STRATA_S3_BUCKET: rt.config.s3.bucket,
  };
}
