/**
 * Reads declared options from the environment and the optional CONFIG_FILE. Precedence, most
 * specific first: for a subgraph, NAME__<SUBGRAPH> in the environment, then the file's
 * `subgraphs.<subgraph>`; then NAME in the environment, the file's top level, the file's
 * `subgraphs.all`; then the declared default. An empty variable counts as unset.
 */
import path from 'node:path';
import { readConfigFile, type ConfigFile } from './file';
import { OptionError, type Feature, type Option, type Options, type ValueOf } from './option';

export type Values<O extends Options> = { [K in keyof O]: ValueOf<O[K]> };

/** Per-subgraph values that differ from the one for all: only what was set for that subgraph. */
export type PerSubgraph<O extends Options> = { [K in keyof O]?: Partial<Record<string, ValueOf<O[K]>>> };

export interface ReadOptions {
  /** `all` is implied; each subgraph's name, lower case. */
  subgraphs?: readonly string[];
  /** Refuse file keys that none of the features declares (false when reading a few options early, as the logger does). */
  strict?: boolean;
}

function envText(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

function parseAt<T>(declared: Option<T>, text: string, name: string, where: string | undefined): T {
  try {
    return declared.parse(text);
  } catch (error) {
    if (!(error instanceof OptionError)) throw error;
    throw new Error(`${name}${where ? ` (${where})` : ''} ${error.message}`, { cause: error });
  }
}

/** CONFIG_FILE, read once per call of readFeatures. */
function configFile(env: NodeJS.ProcessEnv, features: readonly Feature[], options: ReadOptions): ConfigFile | undefined {
  const file = envText(env, 'CONFIG_FILE');
  if (file === undefined) return undefined;
  const all = features.flatMap((feature) => Object.entries(feature.options));
  const names = new Set(all.map(([name]) => name));
  const perSubgraphNames = new Set(all.filter(([, declared]) => declared.perSubgraph).map(([name]) => name));
  const shape = options.strict === false ? { names: ANY, perSubgraphNames: ANY } : { names, perSubgraphNames };
  return readConfigFile(path.resolve(file), { ...shape, scopes: ['all', ...(options.subgraphs ?? [])] }, env);
}

/** A set that holds every name: a lenient read takes keys it does not know and leaves them alone. */
const ANY: ReadonlySet<string> = new (class extends Set<string> {
  override has(): boolean {
    return true;
  }
})();

export interface Reading {
  file: ConfigFile | undefined;
  env: NodeJS.ProcessEnv;
  subgraphs: readonly string[];
}

export function openReading(env: NodeJS.ProcessEnv, features: readonly Feature[], options: ReadOptions = {}): Reading {
  return { file: configFile(env, features, options), env, subgraphs: options.subgraphs ?? [] };
}

/** One option's value for all subgraphs (or for a process that has no subgraphs). */
export function readOne<T>(reading: Reading, name: string, declared: Option<T>): T | undefined {
  const fromEnv = envText(reading.env, name);
  if (fromEnv !== undefined) return parseAt(declared, fromEnv, name, undefined);
  const { file } = reading;
  const fromFile = file?.values.get(name);
  if (file && fromFile !== undefined) return parseAt(declared, fromFile, name, `${file.path}: ${name}`);
  const fromAll = declared.perSubgraph ? file?.scopes.get('all')?.get(name) : undefined;
  if (file && fromAll !== undefined) return parseAt(declared, fromAll, name, `${file.path}: subgraphs.all.${name}`);
  return declared.default;
}

/** The value one subgraph has of its own, if any (NAME__PRODUCTS, or the file's subgraphs.products). */
export function readForSubgraph<T>(reading: Reading, name: string, declared: Option<T>, subgraph: string): T | undefined {
  const variable = `${name}__${subgraph.toUpperCase()}`;
  const fromEnv = envText(reading.env, variable);
  if (fromEnv !== undefined) return parseAt(declared, fromEnv, variable, undefined);
  const { file } = reading;
  const fromFile = file?.scopes.get(subgraph)?.get(name);
  if (file && fromFile !== undefined) return parseAt(declared, fromFile, name, `${file.path}: subgraphs.${subgraph}.${name}`);
  return undefined;
}

/** Every option of a feature, and each per-subgraph option's values of their own. */
export function readFeature<O extends Options>(reading: Reading, feature: Feature<O>): { values: Values<O>; perSubgraph: PerSubgraph<O> } {
  const values = {} as Record<string, unknown>;
  const perSubgraph = {} as Record<string, Record<string, unknown>>;
  for (const [name, declared] of Object.entries(feature.options)) {
    values[name] = readOne(reading, name, declared);
    if (!declared.perSubgraph) continue;
    const own: Record<string, unknown> = {};
    for (const subgraph of reading.subgraphs) {
      const value = readForSubgraph(reading, name, declared, subgraph);
      if (value !== undefined) own[subgraph] = value;
    }
    perSubgraph[name] = own;
  }
  return { values: values as Values<O>, perSubgraph: perSubgraph as PerSubgraph<O> };
}
