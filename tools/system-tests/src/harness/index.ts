// What other dev tools (the benchmarks) take from the system-test harness: real processes
// on a private stack, and the noisy-neighbour traffic.
export { CanaryTenant, latencySummary } from './canary-tenant';
export { AttackTally, hostileAttacks, seedRequest, sendNoise, type Attack } from './noisy-tenant';
export { residentMemory, sampleResidentMemory } from './process-memory';
export { METHODS, outcomeCode, ownConnection, unaryRaw } from './raw-grpc';
export { StrataSystem } from './strata-system';
export { write } from './ingest-client';
