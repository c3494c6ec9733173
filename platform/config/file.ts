/**
 * The optional configuration file (CONFIG_FILE=path): YAML whose keys are the environment
 * variables' names, for settings operators prefer not to keep in the environment. String values
 * may name environment variables: `${VAR}`, or `${VAR:-default}` when VAR is unset or empty.
 *
 *   GATEWAY_MAX_COST: 100000
 *   JWT_SECRET: ${JWT_SECRET_FROM_VAULT}
 *   subgraphs:
 *     all: { GATEWAY_SUBGRAPH_TIMEOUT_MS: 10000 }
 *     products: { GATEWAY_SUBGRAPH_TIMEOUT_MS: 2000 }
 */
import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** A file's values as text (what an environment variable would hold), each with where it came from. */
export interface ConfigFile {
  path: string;
  /** Top-level keys. */
  values: Map<string, string>;
  /** `subgraphs.<scope>` keys, scope being `all` or a subgraph's name. */
  scopes: Map<string, Map<string, string>>;
}

export interface FileShape {
  /** Every option name a file may set. */
  names: ReadonlySet<string>;
  /** The option names that may appear under `subgraphs:`. */
  perSubgraphNames: ReadonlySet<string>;
  /** `all` and each subgraph's name. */
  scopes: readonly string[];
}

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const section = z.record(z.string(), scalar);

/** `${VAR}` and `${VAR:-default}`. */
const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function expand(text: string, env: NodeJS.ProcessEnv, where: string): string {
  return text.replace(REFERENCE, (_match, name: string, fallback: string | undefined) => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    throw new Error(`${where}: \${${name}} names an environment variable that is not set (\${${name}:-default} gives a default)`);
  });
}

function textOf(value: z.infer<typeof scalar>, env: NodeJS.ProcessEnv, where: string): string | undefined {
  if (value === null) return undefined;
  const text = typeof value === 'string' ? expand(value, env, where) : String(value);
  return text.trim() === '' ? undefined : text.trim();
}

function readSection(
  raw: unknown,
  allowed: ReadonlySet<string>,
  env: NodeJS.ProcessEnv,
  file: string,
  prefix: string,
): Map<string, string> {
  const parsed = section.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    throw new Error(`${file}: ${key || '(top level)'}: ${issue.message} (values are strings, numbers or booleans)`);
  }
  const values = new Map<string, string>();
  for (const [name, value] of Object.entries(parsed.data)) {
    const where = `${file}: ${prefix ? `${prefix}.` : ''}${name}`;
    if (!allowed.has(name)) throw new Error(`${where}: not an option${prefix ? ' that can be set per subgraph' : ''}`);
    const text = textOf(value, env, where);
    if (text !== undefined) values.set(name, text);
  }
  return values;
}

export function readConfigFile(filePath: string, shape: FileShape, env: NodeJS.ProcessEnv): ConfigFile {
  let document: unknown;
  try {
    document = parseYaml(fs.readFileSync(filePath, 'utf8'));
  } catch (error) {
    throw new Error(`CONFIG_FILE ${filePath}: ${(error as Error).message}`, { cause: error });
  }
  const top = z.record(z.string(), z.unknown()).safeParse(document ?? {});
  if (!top.success) throw new Error(`${filePath}: the file must hold a mapping of option names to values`);
  const { subgraphs, ...rest } = top.data;
  const values = readSection(rest, shape.names, env, filePath, '');
  const scopes = new Map<string, Map<string, string>>();
  const bySubgraph = z.record(z.string(), z.unknown()).safeParse(subgraphs ?? {});
  if (!bySubgraph.success) throw new Error(`${filePath}: subgraphs: must map "all" or a subgraph's name to options`);
  for (const [scope, options] of Object.entries(bySubgraph.data)) {
    if (!shape.scopes.includes(scope)) {
      throw new Error(`${filePath}: subgraphs.${scope}: not a subgraph (one of ${shape.scopes.join(', ')})`);
    }
    scopes.set(scope, readSection(options, shape.perSubgraphNames, env, filePath, `subgraphs.${scope}`));
  }
  return { path: filePath, values, scopes };
}
