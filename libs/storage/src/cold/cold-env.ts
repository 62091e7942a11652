import type { EnvReader } from '@strata/runtime';
import { readAwsRegion } from '../aws/aws-env';
import { readRetentionEnv, type RetentionPolicy } from '../core/retention';
import { ColdKeys } from './keys';
import { createS3 } from './s3-client';
import { S3ObjectStore } from './object-store';

/** Where the cold tier lives, as the archiver and the reader both read it (STRATA_S3_*). */
export interface ColdS3Config {
  /** moto, MinIO...; unset for AWS. */
  readonly endpoint?: string;
  readonly region: string;
  /** @default strata-cold */
  readonly bucket: string;
  /** @default true when an endpoint is set, else false */
  readonly forcePathStyle: boolean;
  /** Put before every object key, e.g. "strata/". @default "" */
  readonly prefix: string;
}

/** The cold tier's settings, as every service that reads or writes it reads them. */
export interface ColdEnv {
  readonly s3: ColdS3Config;
  /** STRATA_RETENTION_DAYS / STRATA_TENANT_RETENTION_DAYS: cold days past it are deleted, and never read. */
  readonly retention: RetentionPolicy;
}

export function readColdEnv(reader: EnvReader): ColdEnv {
  return { s3: readColdS3Env(reader), retention: readRetentionEnv(reader) };
}

function readColdS3Env(reader: EnvReader): ColdS3Config {
  const endpoint = reader.url('STRATA_S3_ENDPOINT');
  const prefix = reader.string('STRATA_S3_PREFIX', '');
  if (prefix !== '' && !/^[a-zA-Z0-9._/-]*\/$/.test(prefix)) {
    reader.problem(`STRATA_S3_PREFIX=${JSON.stringify(prefix)} must be letters, digits, . _ - / and end with /`);
  }
  const bucket = reader.string('STRATA_S3_BUCKET', 'strata-cold');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    reader.problem(`STRATA_S3_BUCKET=${JSON.stringify(bucket)} is not an S3 bucket name ([a-z0-9.-], 3 to 63 characters)`);
  }
  return {
    endpoint,
    region: readAwsRegion(reader),
    bucket,
    forcePathStyle: reader.bool('STRATA_S3_FORCE_PATH_STYLE', endpoint !== undefined),
    prefix,
  };
}

/** The S3 client, the bucket as an ObjectStore, and the key layout of a cold-tier config. */
export function createColdS3(config: ColdS3Config, options: { maxAttempts?: number } = {}) {
  const client = createS3({ endpoint: config.endpoint, region: config.region, forcePathStyle: config.forcePathStyle, ...options });
  return { client, store: new S3ObjectStore(client, config.bucket), keys: new ColdKeys(config.prefix) };
}
