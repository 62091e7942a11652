import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { resolveAwsClientConfig, withoutSdkLogging, type AwsClientConfig } from '../aws/aws-client-config';

export type DynamoDbConfig = AwsClientConfig;

export function createDynamoDb(config: DynamoDbConfig): DynamoDBClient {
  return withoutSdkLogging(new DynamoDBClient(resolveAwsClientConfig(config)));
}

/** Resolves when the endpoint answers an authenticated call; the warm tier's readiness check. */
export async function checkDynamoDb(client: DynamoDBClient): Promise<void> {
  await client.send(new ListTablesCommand({ Limit: 1 }));
}
