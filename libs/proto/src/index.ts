export * from './generated/strata/v1/strata';
export { PointsAppended } from './generated/strata/log/v1/events';
export { FILE_DESCRIPTOR_SET_BASE64 } from './generated/descriptor-set';
export { strataPackageDefinition } from './package-definition';
