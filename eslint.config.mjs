// Lint: typescript-eslint, plus the architecture's boundaries as import rules, so that "the gateway
// never imports subgraph code" and its siblings are checked by a tool on every `npm test`.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const SUBGRAPHS = ['users', 'products', 'orders', 'payments', 'recommendations'];
/** The gateway's host: what assembles the pipeline and serves it. */
const GATEWAY_HOST = [
  './gateway/server.ts',
  './gateway/main.ts',
  './gateway/options-from-config.ts',
  './gateway/partner.ts',
  './gateway/ide.ts',
];
const SERVICES = ['./gateway', './subgraphs', './inference', './prisma', './platform', './ranking', './training'];

/** Who may import whom: the dependency direction drawn in docs/architecture.md ("Who may import whom"). */
const boundaries = [
  {
    target: './platform',
    from: [
      './gateway',
      './subgraphs',
      './inference',
      './prisma',
      './scripts',
      './bench',
      './test',
      './k8s',
      './ranking',
      './training',
      './observability',
    ],
    message: 'platform/ is what every service shares; it imports none of them.',
  },
  {
    target: './ranking',
    from: ['./gateway', './subgraphs', './inference', './prisma', './scripts', './bench', './test', './training'],
    message: 'ranking/ (features, candidate merging) is shared by training and the recommendations subgraph; it imports platform/ only.',
  },
  {
    target: './gateway',
    from: ['./ranking', './training'],
    message: 'The gateway has no business with recommendation ranking.',
  },
  {
    target: './gateway',
    from: ['./subgraphs', './inference', './prisma', './scripts', './bench'],
    message: 'The gateway knows subgraphs only through the committed supergraph and HTTP; shared contracts live in platform/.',
  },
  // Inside the gateway: a pipeline of plugins (gateway/pipeline), the plugins grouped by phase
  // (gateway/plugins/<phase>/), and the host that assembles them (server.ts, partner.ts, subscriptions/).
  {
    target: './gateway/pipeline',
    from: ['./gateway/plugins', './gateway/subscriptions', ...GATEWAY_HOST],
    message: 'The pipeline knows plugins only by their shape (gateway/pipeline/plugin.ts); it imports none of them, nor the host.',
  },
  {
    target: './gateway/plugins',
    from: ['./gateway/subscriptions', ...GATEWAY_HOST],
    message: 'A plugin is one step: it knows the pipeline and platform/, never the host that assembles the gateway.',
  },
  {
    target: './subgraphs',
    from: ['./gateway', './inference', './training', './scripts', './bench'],
    message: 'A subgraph reaches the gateway and the inference server over the network only.',
  },
  ...SUBGRAPHS.map((name) => ({
    target: `./subgraphs/${name}`,
    from: SUBGRAPHS.filter((other) => other !== name).map((other) => `./subgraphs/${other}`),
    message: 'Subgraphs meet only through the supergraph (entity keys) and events; shared code goes in subgraphs/kit.',
  })),
  {
    target: './subgraphs/kit',
    from: SUBGRAPHS.map((name) => `./subgraphs/${name}`),
    message: 'The kit serves every subgraph and knows none of them.',
  },
  {
    target: './inference',
    from: ['./gateway', './subgraphs', './scripts', './bench'],
    message: 'The inference service depends on platform/ only.',
  },
  {
    target: './inference',
    from: './prisma',
    message: 'The model server carries no database code; only training reads the platform database.',
  },
  {
    target: './training',
    from: ['./gateway', './subgraphs', './scripts', './bench'],
    message: 'Training depends on ranking/, platform/ and prisma/ only.',
  },
  {
    // The one way in: training publishes into the model repository the server reads, in its format.
    target: './training',
    from: './inference',
    except: ['./repository'],
    message: 'Training reaches the inference service only through the model repository (inference/repository) it publishes into.',
  },
  {
    target: './prisma',
    from: ['./gateway', './subgraphs', './inference', './training', './scripts', './bench'],
    message: 'The data layer depends on platform/ only.',
  },
  {
    // The rules and dashboards describe the services from outside: they read platform/'s contracts
    // (error codes, service names) and never a service's code (their tests read its registry).
    target: './observability',
    from: ['./gateway', './subgraphs', './inference', './prisma', './ranking', './training'],
    message: 'observability/ (rules, dashboards) depends on platform/ only.',
  },
];

/**
 * Training runs offline (`npm run train`, `npm start`'s first model): only entry scripts, benchmarks
 * and tests start it. The inference server above all must not load it (tests of the server may
 * train a model to serve).
 */
const trainingFromEntriesOnly = {
  target: ['./gateway', './subgraphs', './inference', './prisma', './platform', './ranking'],
  from: './training',
  message: 'Only scripts/, bench/ and tests import training/.',
};

/** Services never import the rules and dashboards: those are written out by `npm run observability`. */
const noObservability = {
  target: SERVICES,
  from: './observability',
  message: 'observability/ is generated into files for Prometheus and Grafana; no service imports it.',
};

/** Test support is for tests: production code in a service never imports it. */
const noTestSupport = { target: SERVICES, from: './test', message: 'Production code never imports test support.' };

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', '.data/', '.bench/', '.dbg/', 'prisma/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.test.json' })],
      // Without these, import-x reads no .ts module's imports and no-cycle passes every file unseen.
      'import-x/extensions': ['.ts', '.js', '.mjs', '.cjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: boundaries }],
      'import-x/no-extraneous-dependencies': [
        'error',
        {
          devDependencies: [
            '**/*.test.ts',
            '**/test/**',
            'bench/**',
            'k8s/**',
            'scripts/**',
            'observability/**',
            'prisma.config.ts',
            'eslint.config.mjs',
          ],
        },
      ],
      'import-x/no-duplicates': 'error',
      // No import cycles anywhere (ARCHITECTURE.md). The rule follows value imports only (type-only
      // ones vanish at run time); packages never import back into the repo, so it skips them.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // A promise nobody awaits or catches is how a rejection becomes a crash (see the upstream
      // subscription fix): every floating promise is awaited, returned, caught, or marked `void`.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['**/*.ts'],
    ignores: ['**/*.test.ts', '**/test/**'],
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: [...boundaries, trainingFromEntriesOnly, noObservability, noTestSupport] }],
    },
  },
  {
    // Apollo's internals are reached in one place, whose version pin says what they were read from.
    files: ['gateway/plugins/**/*.ts', 'gateway/subscriptions/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['@apollo/gateway', '@apollo/server', '@apollo/federation-internals'].map((name) => ({
            name,
            message: 'Steps reach Apollo through gateway/pipeline/apollo-adapter.ts (its version pin lists what it assumes).',
            allowTypeImports: true,
          })),
        },
      ],
    },
  },
  {
    // Hive Gateway and its transport are benchmark-only dev dependencies (bench/federation/gateways.ts):
    // no-extraneous-dependencies keeps them out of the services; this keeps them out of the entry scripts.
    files: ['scripts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@graphql-hive/*', '@graphql-mesh/*'], message: 'Hive Gateway is for bench/federation only.' }] },
      ],
    },
  },
  {
    // Pages the gateway serves to browsers.
    files: ['gateway/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: { ...globals.browser, React: 'readonly', ReactDOM: 'readonly', GraphiQL: 'readonly' },
    },
  },
  {
    // Plain Node scripts that run before (or without) the TypeScript build.
    files: ['scripts/**/*.js', 'scripts/**/*.mjs', 'inference/test/*.js', 'inference/runtime/*.js', '*.js', '*.mjs'],
    languageOptions: { globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
