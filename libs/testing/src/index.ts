// Test mechanisms shared by specs, benchmarks and the system tests: never imported by
// production code (the lint config refuses it outside specs, test folders, benches and tools).
export { freePorts } from './free-port';
export { healthStatus, waitServing, type HealthCheckOptions, type WaitServingOptions } from './grpc-health';
export { pollUntil, sleep, type PollOptions } from './poll';
export { prng } from './seeded-random';
export { parseServiceLog, type LogRecord } from './service-log';
export { ServiceProcess, type Exit, type ServiceProcessOptions } from './service-process';
export { benchFiguresPath, recordBenchFigures, type BenchFigure, type BenchFiguresFile, type MeasuredFigure, type RecordOptions } from './bench-figures';
export { cpuSecondsOf, processCpuSeconds } from './process-cpu';
