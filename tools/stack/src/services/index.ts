import type { ServiceName } from '../stack-config';
import { dynamodbService } from './dynamodb';
import { kafkaService } from './kafka';
import { redisService } from './redis';
import { s3Service } from './s3';
import type { ServiceContext, StackService } from './service';

export type { ServiceContext, StackService, InstallLane } from './service';

const FACTORIES: Record<ServiceName, (ctx: ServiceContext) => StackService> = {
  kafka: kafkaService,
  redis: redisService,
  dynamodb: dynamodbService,
  s3: s3Service,
};

export function createServices(ctx: ServiceContext, names: readonly ServiceName[]): StackService[] {
  return names.map((name) => FACTORIES[name](ctx));
}
