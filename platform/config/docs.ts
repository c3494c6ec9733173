/**
 * The configuration reference, generated from the declared options: docs/configuration.md (one
 * table per feature) and docs/configuration.schema.json (the config file's JSON schema).
 */
import { z } from 'zod';
import { SUBGRAPH_NAMES } from '../services';
import type { Feature, Option } from './option';

export const CONFIGURATION_DOC = 'docs/configuration.md';
export const CONFIGURATION_SCHEMA = 'docs/configuration.schema.json';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function defaultOf(declared: Option<unknown>): string {
  if (declared.defaultText) return declared.defaultText;
  if (declared.default === undefined) return 'unset';
  if (declared.secret) return 'set';
  return `\`${Array.isArray(declared.default) ? declared.default.join(',') : String(declared.default)}\``;
}

export function configurationMarkdown(features: readonly Feature[]): string {
  const lines = [
    '# Configuration',
    '',
    '<!-- Generated from platform/config/options/ by `npm run config:docs`; a test fails when it is stale. -->',
    '',
    'Every option is an environment variable; the same names may be set in a YAML file named by `CONFIG_FILE`,',
    'whose string values expand `${VAR}` and `${VAR:-default}` from the environment. An empty variable counts as unset.',
    '',
    "Precedence, most specific first: `NAME__<SUBGRAPH>` in the environment (per-subgraph options), the file's",
    "`subgraphs.<subgraph>.NAME`, `NAME` in the environment, the file's `NAME`, the file's `subgraphs.all.NAME`,",
    'the default. Switches take `on`/`off`, `true`/`false`, `yes`/`no` or `1`/`0` in any case; integers are digits only.',
    `Per-subgraph options take a subgraph's name in upper case: ${SUBGRAPH_NAMES.map((name) => `\`__${name.toUpperCase()}\``).join(', ')}.`,
    '',
    'The JSON schema of the file is [configuration.schema.json](configuration.schema.json).',
  ];
  for (const feature of features) {
    lines.push(
      '',
      `## ${feature.title}`,
      '',
      '| Variable | Type | Default | Per subgraph | Description |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const [name, declared] of Object.entries(feature.options)) {
      lines.push(
        `| \`${name}\` | ${cell(declared.type)} | ${cell(defaultOf(declared))} | ${declared.perSubgraph ? 'yes' : ''} | ${cell(declared.description)} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A file value: the option's own type, or a string (which `${VAR}` expansion needs, and which parses as the environment's would). */
function fileValue(declared: Option<unknown>): z.ZodType {
  const meta: Record<string, unknown> = { description: declared.description };
  if (declared.default !== undefined && !declared.secret) meta.default = declared.default;
  return z.union([declared.schema, z.string()]).meta(meta);
}

export function configurationJsonSchema(features: readonly Feature[]): string {
  const top: Record<string, z.ZodType> = {};
  const perSubgraph: Record<string, z.ZodType> = {};
  for (const feature of features) {
    for (const [name, declared] of Object.entries(feature.options)) {
      if (name === 'CONFIG_FILE') continue;
      top[name] = fileValue(declared).optional();
      if (declared.perSubgraph) perSubgraph[name] = fileValue(declared).optional();
    }
  }
  const scope = z.strictObject(perSubgraph);
  const scopes = Object.fromEntries(['all', ...SUBGRAPH_NAMES].map((name) => [name, scope.optional()]));
  const file = z
    .strictObject({
      ...top,
      subgraphs: z.strictObject(scopes).optional().meta({ description: 'Per-subgraph options: `all`, then each subgraph.' }),
    })
    .meta({ title: 'Platform configuration file (CONFIG_FILE)' });
  return `${JSON.stringify(z.toJSONSchema(file, { unrepresentable: 'any' }), null, 2)}\n`;
}
