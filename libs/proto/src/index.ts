export * from './generated/strata/v1/strata';
export { PointsAppended } from './generated/strata/log/v1/events';
export { FILE_DESCRIPTOR_SET_BASE64 } from './generated/descriptor-set';
export { strataPackageDefinition } from './package-definition';
// Prometheus's wire messages, under their own names (they would clash with strata.v1's).
export * as prometheus from './generated/prometheus/remote';
export * as prometheusWriteV2 from './generated/io/prometheus/write/v2/types';
