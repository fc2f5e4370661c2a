// Preloaded (--require) into a fresh process to stand in for the Functions worker: it provides the
// built-in `@azure/functions-core` module, so @azure/functions registers functions as in Azure.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a --require preload is CommonJS
const Module = require('node:module');
const registered = [];
const core = {
  version: 'bench',
  setProgrammingModel() {},
  registerFunction(metadata, handler) {
    registered.push({ metadata, handler });
  },
  log() {},
  registerHook() {
    return { dispose() {} };
  },
};
const load = Module._load;
Module._load = function (request, ...rest) {
  return request === '@azure/functions-core' ? core : load.call(this, request, ...rest);
};
globalThis.__registered = registered;
