import type { EnvReader } from '@strata/runtime';

/** AWS_REGION, which the warm tier (DynamoDB) and the cold tier (S3) share. @default us-east-1 */
export function readAwsRegion(reader: EnvReader): string {
  return reader.string('AWS_REGION', 'us-east-1');
}
