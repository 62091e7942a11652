export { checkHealth, waitServing } from './grpc-health';
export { ServiceProcesses, type ServiceProcessesOptions, type StartedService } from './service-processes';
export { SERVICES, serviceEnv, withPortOffset, type ServiceDefinition } from './services';
