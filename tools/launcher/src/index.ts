export { ServiceProcesses, type ServiceProcessesOptions, type StartedService } from './service-processes';
export { DEFAULT_PROBER_TENANT, withProberKey, type ProberKeyPlan } from './prober-key';
export { SERVICES, serviceEnv, withPortOffset, type ServiceDefinition } from './services';
