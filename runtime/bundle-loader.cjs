// A worker thread's entry for an actor's bundle (see `bundleOf` in module-url.ts). Plain CommonJS so that
// a worker runs it as it is, from the sources as from dist/ (the build copies it).
//
// It compiles the bundle (CommonJS) from the V8 code cache the host hands it, when there is one, and runs
// it: the bundle's own entry calls `runActorWorker`. A while later, once the thread's actor has usually
// started and handled its first messages, it reports how it was compiled (`compiled`, see protocol.ts).
// A thread that had no cache, or whose cache V8 refused (another V8 version or flags), reports one made
// then, holding every function compiled so far, for the threads after it (see `spawnWorker`).
'use strict';
const { readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname } = require('node:path');
const { constants, Script } = require('node:vm');
const { parentPort, workerData } = require('node:worker_threads');

// Made at load, the cache holds what loading compiled; a second later, what starting an actor did too:
// 200 traders then started in 8.5-10.9 s, against 9.8-11.7 s with a cache made at load and 13.3-15.1 s
// with none.
const REPORT_AFTER_MS = 1_500;

const { bundle, codeCache } = workerData;
const script = new Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(bundle, 'utf8')}\n})`, {
  filename: bundle,
  ...(codeCache ? { cachedData: codeCache } : {}),
  // A user's strategy module is imported (through tsx) as from an ES module.
  importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});
const bundleModule = { exports: {} };
script.runInThisContext()(bundleModule.exports, createRequire(bundle), bundleModule, bundle, dirname(bundle));
const fromCache = codeCache !== undefined && !script.cachedDataRejected;
setTimeout(() => {
  parentPort.postMessage({ t: 'compiled', fromCache, ...(fromCache ? {} : { codeCache: script.createCachedData() }) });
}, REPORT_AFTER_MS).unref();
