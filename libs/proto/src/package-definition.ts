import { loadFileDescriptorSetFromBuffer, type PackageDefinition } from '@grpc/proto-loader';
import { FILE_DESCRIPTOR_SET_BASE64 } from './generated/descriptor-set';

/**
 * The strata.v1 services as a grpc-js PackageDefinition, built from the generated
 * descriptor set. Server reflection needs it; clients and servers use the ts-proto types.
 */
export function strataPackageDefinition(): PackageDefinition {
  return loadFileDescriptorSetFromBuffer(Buffer.from(FILE_DESCRIPTOR_SET_BASE64, 'base64'), {
    longs: Number,
    enums: String,
    defaults: true,
  });
}
