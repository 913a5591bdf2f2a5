export * from './errors.js';
export * from './tags.js';
export * from './daemon.js';
export * from './io.js';
export * from './exec.js';
export * from './search.js';
export * from './workspace.js';
export * from './socket-path.js';
