import type { Admin } from 'kafkajs';
import { KafkaNotReadyError } from './errors';

export interface KafkaClusterState {
  brokers: number;
  controllerId: number;
  clusterId: string;
}

/**
 * Succeeds when the cluster answers metadata with a controller and at least one broker.
 * With `probeTopicCreation`, also asks the controller to validate (not perform) a topic
 * creation: that fails until a broker is registered and unfenced, which metadata alone
 * does not show on a KRaft node that is still starting.
 */
export async function checkKafka(admin: Admin, options: { probeTopicCreation?: boolean } = {}): Promise<KafkaClusterState> {
  const cluster = await admin.describeCluster();
  if (cluster.brokers.length === 0 || cluster.controller === null || cluster.controller < 0) {
    throw new KafkaNotReadyError(`cluster ${cluster.clusterId} has ${cluster.brokers.length} broker(s) and no controller yet`);
  }
  if (options.probeTopicCreation) {
    await admin.createTopics({
      validateOnly: true,
      waitForLeaders: false,
      topics: [{ topic: 'strata.readiness-probe', numPartitions: 1, replicationFactor: 1 }],
    });
  }
  return { brokers: cluster.brokers.length, controllerId: cluster.controller, clusterId: cluster.clusterId };
}
