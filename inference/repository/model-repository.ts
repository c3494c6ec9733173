/**
 * The model repository on disk, laid out like Triton's:
 *
 *   <repository>/<model>/config.json         our server reads this
 *   <repository>/<model>/config.pbtxt        the same settings for Triton
 *   <repository>/<model>/<version>/model.onnx
 *   <repository>/<model>/<version>/metadata.json   input bounds, training facts
 *   <repository>/<model>/<version>/ids.json        id maps: row → user id, column → item id
 *
 * A version appears atomically: it is written into a hidden staging folder and renamed into place,
 * so the hot-reload poller never sees half a model. One disappears alike: renamed out of sight,
 * then deleted (retention.ts decides which).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { IdMaps } from '../../platform/model-contract';
import { parseModelConfig, toPbtxt, type ModelConfig } from './model-config';
import { DEFAULT_KEEP_UNSERVED, versionsToRetire, withoutErased, type RetentionOptions } from './retention';
import { servedVersions } from './version-policy';

export interface VersionMetadata {
  model: string;
  version: number;
  created_at: string;
  /** Half-open range [min, max) every value of an input must fall in (e.g. user rows). */
  input_bounds: Record<string, [number, number]>;
  [key: string]: unknown;
}

export interface ModelVersionFiles {
  config: ModelConfig;
  onnx: Uint8Array;
  metadata: { input_bounds: Record<string, [number, number]>; [key: string]: unknown };
  ids: IdMaps;
}

const VERSION_DIR = /^\d+$/;

export async function listModels(repository: string): Promise<string[]> {
  const entries = await fs.readdir(repository, { withFileTypes: true }).catch(() => []);
  const models: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    if (await exists(path.join(repository, entry.name, 'config.json'))) models.push(entry.name);
  }
  return models.sort();
}

export async function readModelConfig(repository: string, model: string): Promise<ModelConfig> {
  const raw = JSON.parse(await fs.readFile(path.join(repository, model, 'config.json'), 'utf8'));
  return parseModelConfig(raw, model);
}

export async function listVersions(repository: string, model: string): Promise<number[]> {
  const entries = await fs.readdir(path.join(repository, model), { withFileTypes: true }).catch(() => []);
  const versions: number[] = [];
  for (const entry of entries) {
    if (
      entry.isDirectory() &&
      VERSION_DIR.test(entry.name) &&
      (await exists(versionFile(repository, model, Number(entry.name), 'model.onnx')))
    ) {
      versions.push(Number(entry.name));
    }
  }
  return versions.sort((a, b) => a - b);
}

export function versionFile(repository: string, model: string, version: number, file: string): string {
  return path.join(repository, model, String(version), file);
}

export async function readVersionMetadata(repository: string, model: string, version: number): Promise<VersionMetadata> {
  return JSON.parse(await fs.readFile(versionFile(repository, model, version, 'metadata.json'), 'utf8'));
}

export async function readIdMaps(repository: string, model: string, version: number): Promise<IdMaps> {
  return JSON.parse(await fs.readFile(versionFile(repository, model, version, 'ids.json'), 'utf8'));
}

/**
 * Writes the model's config (both formats). config.pbtxt also carries the id maps of every version
 * on disk (plus `extraIds`) as `ids.<version>` parameters: Triton serves them unchanged from its
 * config endpoint, which is how a client learns a version's ids from an unmodified Triton.
 */
export async function writeModelConfig(repository: string, config: ModelConfig, extraIds: Record<string, IdMaps> = {}): Promise<void> {
  await writeConfigFiles(path.join(repository, config.name), config, { ...(await idsOnDisk(repository, config.name)), ...extraIds });
}

async function writeConfigFiles(dir: string, config: ModelConfig, ids: Record<string, IdMaps>): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await writeAtomically(path.join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  await writeAtomically(path.join(dir, 'config.pbtxt'), toPbtxt(config, ids));
}

/** The id maps of every published version of `model`, by version. */
export async function idsOnDisk(repository: string, model: string): Promise<Record<string, IdMaps>> {
  const ids: Record<string, IdMaps> = {};
  for (const version of await listVersions(repository, model)) {
    ids[version] = await readIdMaps(repository, model, version).catch(() => undefined as never);
    if (ids[version] === undefined) delete ids[version];
  }
  return ids;
}

/**
 * Publishes the next version of a model; returns its number. Running servers pick it up without a
 * restart. Every step leaves a repository either server can load (Triton fails a model folder
 * with a config but no version, and a crash-looping pod is the result):
 * - a new model is assembled whole (config + first version) in a hidden folder beside the
 *   repository — not inside it, where Triton would take it for a model — and renamed into place
 *   (stagingRoot: inside it only when beside is not possible);
 * - a further version is staged in a non-numeric folder inside the model (no server reads it), the
 *   config is rewritten with the new version's id maps, then the version folder is renamed in;
 * - then the versions the policy no longer serves are retired and erased users blanked in the id
 *   maps left (retainAfterPublish).
 */
export async function publishModelVersion(repository: string, files: ModelVersionFiles, options: PublishOptions = {}): Promise<number> {
  const name = files.config.name;
  const modelDir = path.join(repository, name);
  const onDisk = await listVersions(repository, name);
  const next = options.version ?? Math.max(0, ...onDisk) + 1;
  const metadata: VersionMetadata = { ...files.metadata, model: name, version: next, created_at: new Date().toISOString() };
  const writeVersion = async (dir: string) => {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'model.onnx'), files.onnx);
    await fs.writeFile(path.join(dir, 'metadata.json'), JSON.stringify(metadata, null, 2) + '\n');
    await fs.writeFile(path.join(dir, 'ids.json'), JSON.stringify(files.ids) + '\n');
  };
  const unique = `${process.pid}-${Date.now()}`;

  if (!(await exists(modelDir))) {
    await fs.mkdir(repository, { recursive: true });
    const root = await stagingRoot(repository, unique);
    const staged = path.join(root, name);
    try {
      await writeVersion(path.join(staged, String(next)));
      await writeConfigFiles(staged, files.config, { [next]: files.ids });
      await fs.rename(staged, modelDir);
      return next;
    } catch (error) {
      // Another publisher created the model meanwhile: fall through and add a version to it.
      if ((error as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  }

  // What a running server serves now, by the policy on disk before this publish rewrites it.
  const previous = await readModelConfig(repository, name).catch(() => undefined);
  const servedBefore = servedVersions(previous ? previous.version_policy : files.config.version_policy, onDisk);
  const staging = path.join(modelDir, `.staging-${next}-${unique}`);
  await writeVersion(staging);
  await writeModelConfig(repository, files.config, { [next]: files.ids });
  await fs.rename(staging, path.join(modelDir, String(next)));
  await retainAfterPublish(repository, files.config, servedBefore, options);
  return next;
}

export interface PublishOptions extends RetentionOptions {
  /** The version number to publish as (default: one above the highest on disk). */
  version?: number;
}

/**
 * After a publish: retires the versions retention.ts picks (renamed out of sight first, so no
 * server lists a half-deleted folder), blanks erased users in the id maps of the versions left,
 * and rewrites config.pbtxt from what is left. config.json keeps its text, so our server does not
 * reload the versions it serves; it re-reads ids.json on every config request.
 */
async function retainAfterPublish(
  repository: string,
  config: ModelConfig,
  servedBefore: number[],
  options: RetentionOptions,
): Promise<void> {
  const name = config.name;
  const versions = await listVersions(repository, name);
  const retire = versionsToRetire(versions, config.version_policy, servedBefore, options.keepUnserved ?? DEFAULT_KEEP_UNSERVED);
  for (const version of retire) {
    const away = path.join(repository, name, `.retired-${version}-${process.pid}-${Date.now()}`);
    try {
      await fs.rename(path.join(repository, name, String(version)), away);
    } catch (error) {
      // Another publisher retired it first.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      continue;
    }
    await fs.rm(away, { recursive: true, force: true });
  }
  const erased = new Set(options.erasedUserIds ?? []);
  let blanked = false;
  for (const version of versions.filter((v) => !retire.includes(v))) {
    const ids = await readIdMaps(repository, name, version).catch(() => undefined);
    const cleaned = ids && withoutErased(ids, erased);
    if (!cleaned) continue;
    await writeAtomically(versionFile(repository, name, version, 'ids.json'), JSON.stringify(cleaned) + '\n');
    blanked = true;
  }
  if (retire.length > 0 || blanked) await writeModelConfig(repository, config);
}

/**
 * Where a new model is assembled: a hidden folder beside the repository, so no server ever lists
 * it. When the repository is a mount root (its parent read-only, or another filesystem, where a
 * rename cannot land) it falls back to a hidden folder inside the repository, which our server
 * skips; Triton's repository should then be a subfolder of the volume (as k8s/overlays/triton does).
 */
async function stagingRoot(repository: string, unique: string): Promise<string> {
  const resolved = path.resolve(repository);
  const beside = path.join(path.dirname(resolved), `.${path.basename(resolved)}.staging-${unique}`);
  try {
    await fs.mkdir(beside);
    if ((await fs.stat(beside)).dev === (await fs.stat(resolved)).dev) return beside;
    await fs.rm(beside, { recursive: true, force: true });
  } catch {
    // not writable there: stage inside
  }
  return path.join(resolved, `.staging-${unique}`);
}

async function writeAtomically(file: string, content: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, content);
  await fs.rename(tmp, file);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
