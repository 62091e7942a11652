import type { LogRecord } from '@strata/testing';

/** The partitions of a writer's latest assignment, or undefined before its first one. */
export function latestAssignment(records: readonly LogRecord[]): number[] | undefined {
  for (let i = records.length - 1; i >= 0; i--) {
    if (records[i].msg === 'partitions assigned') return (records[i]['partitions'] as number[] | undefined) ?? [];
  }
  return undefined;
}
