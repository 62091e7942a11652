// @strata/storage/testing: fakes and fixtures for specs, benches and dev tools. Production
// code cannot import it (eslint.config.mjs forbids it outside those files).
export { MemoryObjectStore } from './memory-object-store';
export { dropBucket } from './drop-bucket';
export { dropWarmTable } from './drop-warm-table';
