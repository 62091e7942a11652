// What specs in other projects take from the runtime lib: a logger that keeps its lines in
// memory. Never imported by production code (the lint config refuses it there).
export { memoryLogger } from './memory-logger';
