// Starts a TypeScript worker module where only its source exists (tests under ts-jest; compiled
// builds start the .js beside it directly): .ts files are transpiled by TypeScript on require.
// Type-only transpilation is enough here: the worker's modules use no decorators.
const fs = require('node:fs');
const { workerData } = require('node:worker_threads');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: false },
  });
  module._compile(outputText, filename);
};
require(workerData.tsEntry);
