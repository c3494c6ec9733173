/** Unit tests sit next to their module (*.test.ts); integration tests under test/ start real servers. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: {
    // Type checking is done once by `tsc -p tsconfig.test.json`; here we only transpile (fast, keeps decorator metadata).
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
  },
  // The generated Prisma client imports its own modules as './x.js' (Node16 style); here they are .ts.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  setupFiles: ['reflect-metadata'],
  testTimeout: 60000,
  // Every test file loads the platform's module graph afresh; one long-lived process keeps each
  // file's share, and on a 2-core machine (one worker: jest would run in band) it outgrew Node's
  // 4 GB heap near the end of the suite. Past this, jest replaces the worker between files (and a
  // limit means a worker, never in band), so each file starts from a clean process.
  workerIdleMemoryLimit: '1GB',
};
