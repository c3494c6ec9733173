/** Options every process reads: where it binds, where its data lives, how it logs and stops. */
import { declareOptions, option } from '../option';

export const processOptions = declareOptions('Process', {
  NODE_ENV: option.string({
    description:
      '`production` refuses missing or `dev-only…` secrets and turns the IDE, introspection, suggestions and dev tokens off; webhooks must be https. `test` silences logs.',
  }),
  CONFIG_FILE: option.string({
    description:
      'A YAML file of options (the names below as keys; `${VAR}` and `${VAR:-default}` expand from the environment; `subgraphs: { all: …, products: … }` for per-subgraph options). The environment wins over the file. Read from the environment only.',
  }),
  HOST: option.string({ default: '127.0.0.1', description: 'Interface to bind (`0.0.0.0` in containers).' }),
  DATA_DIR: option.string({ default: '.data', description: 'Embedded data directory (PGlite, models).' }),
  LOG_LEVEL: option.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    defaultText: '`info`; `silent` when `NODE_ENV=test`; command-line tools `warn`',
    description: 'pino log level.',
  }),
  SHUTDOWN_TIMEOUT_MS: option.int({
    default: 12_000,
    description: "After SIGTERM, the longest a process spends closing; then it exits with code 1 (under Kubernetes' 30 s grace period).",
  }),
  DEV_USER_ID: option.string({
    default: 'user-0001',
    description: "User of the development tokens (`npm start`'s, the IDE's prefilled header; never in production).",
  }),
});
