export { type CapturedLogger, captureLogger, type MemoryIo, memoryIo } from './capture.js';
