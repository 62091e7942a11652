import type { Admin } from '@strata/stream';

/**
 * Records of `topic` that consumer group `groupId` has not committed yet, over all
 * partitions: what is left for it to project. A partition the group never committed
 * counts from its low watermark.
 */
export async function consumerGroupLag(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  const done = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  let lag = 0n;
  for (const { partition, high, low } of ends) {
    const at = done.get(partition) ?? -1n;
    lag += BigInt(high) - (at < 0n ? BigInt(low) : at);
  }
  return Number(lag);
}
