// Worker entry when running from TypeScript sources (vitest): Node 20 workers cannot load `.ts`, so
// register tsx's loader in this thread first. Built code uses dist/runtime/worker-entry.js instead.
import { register } from 'tsx/esm/api';

register();
await import('./worker-entry.ts');
