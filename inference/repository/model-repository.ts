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
 * so the hot-reload poller never sees half a model.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseModelConfig, toPbtxt, type ModelConfig } from './model-config';

export interface VersionMetadata {
  model: string;
  version: number;
  created_at: string;
  /** Half-open range [min, max) every value of an input must fall in (e.g. user rows). */
  input_bounds: Record<string, [number, number]>;
  [key: string]: unknown;
}

export interface IdMaps {
  /** Row i of the query table belongs to users[i] (recommender) — absent for item-to-item models. */
  users?: string[];
  /** Column j of the scores belongs to items[j]. */
  items: string[];
  /** Query row for users the model has never seen (popularity-like). */
  cold_start_index?: number;
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

/** Writes the model's config (both formats). */
export async function writeModelConfig(repository: string, config: ModelConfig): Promise<void> {
  const dir = path.join(repository, config.name);
  await fs.mkdir(dir, { recursive: true });
  await writeAtomically(path.join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  await writeAtomically(path.join(dir, 'config.pbtxt'), toPbtxt(config));
}

/** Publishes the next version of a model; returns its number. Running servers pick it up without a restart. */
export async function publishModelVersion(repository: string, files: ModelVersionFiles, version?: number): Promise<number> {
  const name = files.config.name;
  await writeModelConfig(repository, files.config);
  const next = version ?? Math.max(0, ...(await listVersions(repository, name))) + 1;
  const staging = path.join(repository, name, `.staging-${next}-${process.pid}-${Date.now()}`);
  await fs.mkdir(staging, { recursive: true });
  const metadata: VersionMetadata = { ...files.metadata, model: name, version: next, created_at: new Date().toISOString() };
  await fs.writeFile(path.join(staging, 'model.onnx'), files.onnx);
  await fs.writeFile(path.join(staging, 'metadata.json'), JSON.stringify(metadata, null, 2) + '\n');
  await fs.writeFile(path.join(staging, 'ids.json'), JSON.stringify(files.ids) + '\n');
  await fs.rename(staging, path.join(repository, name, String(next)));
  return next;
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
