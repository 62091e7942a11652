import type { EnvReader } from '@strata/runtime';
import { DAY_MS, HOUR_MS } from '../core/time';
import { readHotRedisEnv, type HotRedisConfig } from './redis-env';
import { readWindowMsEnv } from './window-env';

/** The hot tier's settings that the writer and the reader must agree on. */
export interface HotEnv {
  readonly redis: HotRedisConfig;
  /** STRATA_WINDOW_MS: window length; divides a day. @default 4 h (DEFAULT_WINDOW_MS) */
  readonly windowMs: number;
  /** STRATA_HOT_RETENTION_MS: how long sealed windows stay in Redis after their end. @default 26 h */
  readonly hotRetentionMs: number;
  /**
   * STRATA_SEAL_GRACE_MS: how long after its end the writer seals a window (late points
   * still land in Redis alone); the reader asks DynamoDB only for windows that may be sealed. @default 5 min
   */
  readonly sealGraceMs: number;
}

/** Services that only connect to Redis (ingest, the archiver) read `readHotRedisEnv` alone. */
export function readHotEnv(reader: EnvReader): HotEnv {
  return {
    redis: readHotRedisEnv(reader),
    windowMs: readWindowMsEnv(reader),
    hotRetentionMs: reader.int('STRATA_HOT_RETENTION_MS', 26 * HOUR_MS, { min: HOUR_MS, max: 30 * DAY_MS }),
    sealGraceMs: reader.int('STRATA_SEAL_GRACE_MS', 5 * 60_000, { min: 0, max: DAY_MS }),
  };
}
