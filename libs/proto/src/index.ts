export * from './generated/strata/v1/strata';
export { FILE_DESCRIPTOR_SET_BASE64 } from './generated/descriptor-set';
export { strataPackageDefinition } from './package-definition';
