// The daemon harness lives in bench/ (compiled with the project, used by benchmarks too).
export * from '../../bench/harness.js';
