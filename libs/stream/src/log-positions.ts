import { ConfigResourceTypes, type Admin } from 'kafkajs';

/** Where a partition's records start and end, and where a consumer group stands in it. */
export interface PartitionPosition {
  /** First offset the log still holds (records below were deleted by retention). */
  readonly start: number;
  /** High watermark: the offset the next record will get. */
  readonly end: number;
  /** The group's committed offset, or null when it has none. */
  readonly committed: number | null;
}

/** Log start, end and a group's committed offset for every partition of a topic. */
export async function logPositions(admin: Admin, topic: string, groupId: string): Promise<Map<number, PartitionPosition>> {
  const [offsets, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  const byPartition = new Map<number, number>();
  for (const { partitions } of committed) {
    for (const { partition, offset } of partitions) if (Number(offset) >= 0) byPartition.set(partition, Number(offset));
  }
  return new Map(
    offsets.map(({ partition, low, high }) => [partition, { start: Number(low), end: Number(high), committed: byPartition.get(partition) ?? null }]),
  );
}

/** How long a topic keeps its records (-1: forever, by that measure). */
export interface TopicRetention {
  readonly retentionMs: number;
  readonly retentionBytes: number;
  readonly cleanupPolicy: string;
}

/** The topic's effective retention settings (its own, or the broker's defaults). */
export async function topicRetention(admin: Admin, topic: string): Promise<TopicRetention> {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms', 'retention.bytes', 'cleanup.policy'] }],
  });
  const entries = new Map((resources[0]?.configEntries ?? []).map((e) => [e.configName, e.configValue]));
  return {
    retentionMs: Number(entries.get('retention.ms') ?? 604_800_000),
    retentionBytes: Number(entries.get('retention.bytes') ?? -1),
    cleanupPolicy: entries.get('cleanup.policy') ?? 'delete',
  };
}

/**
 * Problems with a topic's retention for rebuilding projections from it: the log must keep
 * every record until its points are durable in the warm tier, which takes a window plus the
 * seal grace in steady state, and longer when DynamoDB is down. `minRetentionMs` is that
 * requirement with a margin; size-based deletion and compaction cannot promise anything.
 */
export function retentionProblems(retention: TopicRetention, topic: string, minRetentionMs: number): string[] {
  const problems: string[] = [];
  if (retention.retentionMs !== -1 && retention.retentionMs < minRetentionMs) {
    problems.push(
      `topic ${topic} keeps records for retention.ms=${retention.retentionMs} ms, less than the ${minRetentionMs} ms ` +
        `(STRATA_MIN_LOG_RETENTION_HOURS) a rebuild of the hot tier may need; raise retention.ms`,
    );
  }
  if (retention.retentionBytes !== -1) {
    problems.push(`topic ${topic} deletes records by size (retention.bytes=${retention.retentionBytes}); set it to -1 so only time decides`);
  }
  if (retention.cleanupPolicy.split(',').map((p) => p.trim()).includes('compact')) {
    problems.push(`topic ${topic} is compacted (cleanup.policy=${retention.cleanupPolicy}); compaction drops records a rebuild needs; use delete`);
  }
  return problems;
}
