import type { EnvReader } from '@strata/runtime';
import { readAwsRegion } from '../aws/aws-env';
import { DAY_INDEX } from './warm-table';

/** Where the warm tier lives and how it is laid out, as every service reads it. */
export interface WarmEnv {
  /** STRATA_DYNAMODB_ENDPOINT: DynamoDB Local...; unset for AWS. */
  readonly endpoint?: string;
  /** AWS_REGION. @default us-east-1 */
  readonly region: string;
  /** STRATA_DYNAMODB_TABLE. @default strata_chunks */
  readonly table: string;
  /**
   * STRATA_DAY_INDEX_SHARDS: day-index partitions per day (docs/cold-format.md); writers
   * write that many, the archiver Queries that many. @default 64
   */
  readonly dayIndexShards: number;
  /**
   * STRATA_WARM_SPAN_DAYS: days a window stays in DynamoDB before the archiver takes it; the
   * writer trusts the day-index entries it remembers for that many recent days. @default 14
   */
  readonly warmSpanDays: number;
}

export function readWarmEnv(reader: EnvReader): WarmEnv {
  return {
    endpoint: reader.url('STRATA_DYNAMODB_ENDPOINT'),
    region: readAwsRegion(reader),
    table: reader.string('STRATA_DYNAMODB_TABLE', 'strata_chunks'),
    dayIndexShards: reader.int('STRATA_DAY_INDEX_SHARDS', DAY_INDEX.defaultShards, { min: 1, max: DAY_INDEX.maxShards }),
    warmSpanDays: reader.int('STRATA_WARM_SPAN_DAYS', 14, { min: 2, max: 460 }),
  };
}
