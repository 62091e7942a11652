export { ApiKeyStore, DEVELOPMENT_API_KEY, DEVELOPMENT_TENANT, readApiKeys } from './api-keys';
export { mapConcurrently, sleep } from './concurrency';
export { EnvReader, type Env } from './env-reader';
export { ConfigError, StrataError, isPermanent, isRetriable, isStrataError, type StrataErrorOptions } from './errors';
export { GrpcServer, type CallRefusal, type GrpcServerOptions, type GrpcServiceBinding } from './grpc-server';
export { UnauthenticatedError, grpcError, tenantFromMetadata } from './grpc-auth';
export { apiKeyFromHttpHeaders, tenantFromHttpHeaders } from './http-auth';
export { BodyTooLargeError, HttpApiServer, readBody, refuseBeforeBody, type HttpApiServerOptions, type HttpRoute } from './http-api-server';
export { createLogger, type Logger } from './logger';
export { bucketIncrease, histogramQuantile, MetricSnapshot } from './prometheus-text';
export { OpsServer, type OpsServerOptions, type ReadinessCheck } from './ops-server';
export { probeReadiness } from './readiness';
export { malformedRequestReason, rawRequestBodies, tolerateMalformedRequests } from './malformed-request';
export { runMain } from './run-main';
export { ServiceRunner, type Lifecycle, type ServiceRunnerOptions } from './service-runner';
export { readStandardConfig, startService, type StandardConfig } from './service-start';
export { type TracingConfig } from './tracing';
export {
  contextFromMetadata,
  injectIntoMetadata,
  inSpan,
  markSpanFailed,
  startGrpcServerSpan,
  type GrpcCallSpan,
} from './tracing-spans';
export { TenantRate } from './tenant-rate';
export { WorkerPool, workerEntry, type WorkerEntry } from './worker-pool';
export { ByteInterner } from './byte-interner';
export { SHORT_ASCII_CHARS, WIRE_BYTES, WIRE_FIXED32, WIRE_FIXED64, WIRE_VARINT, WireError, WireReader, writeShortAscii } from './wire';
