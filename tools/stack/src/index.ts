export { startStack } from './start-stack';
export type { StartStackResult, ServiceReport } from './start-stack';
export { stopStack } from './stop-stack';
export type { StopStackOptions, StopStackResult } from './stop-stack';
export { stackStatus } from './stack-status';
export type { ServiceStatus } from './stack-status';
export { installStack } from './install-stack';
export type { StackOptions } from './stack-runtime';
export type { StackLogger } from './logger';
export { SERVICE_NAMES, loadStackConfig } from './stack-config';
export type { ServiceName, StackConfig } from './stack-config';
export { StackError, PortInUseError, ServiceStartError, CommandFailedError, StackConfigError } from './errors';
export { stackClientEnv } from './client-env';
export { ensurePrometheus3, ensurePrometheusTools } from './prometheus-tools';
// For the test cluster (tools/cluster): its dependencies run from the same parts, with the
// same broker settings, probes and provisioning as the stack's.
export { createServices } from './services';
export type { StackService } from './services';
export { stackPaths, findRepoRoot } from './paths';
export { parseServiceNames } from './stack-config';
export { renderServerProperties } from './services/kafka-properties';
export { waitForReady } from './readiness';
