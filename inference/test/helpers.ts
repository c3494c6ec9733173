/** Shared pieces of the inference integration tests: temp repositories, seeded models, HTTP calls. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AlsModel } from '../../training/als';
import { publishTrainedModels } from '../../training/export-models';
import { seededNormal } from '../../training/rng';

export async function tempRepository(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'inference-test-'));
  return { dir, remove: () => fs.rm(dir, { recursive: true, force: true }) };
}

/** A model with seeded random factors: no training needed to test serving. */
export function randomModel(seed: number, users: number, items: number, factors: number): AlsModel {
  const normal = seededNormal(seed);
  return {
    factors,
    userFactors: Float32Array.from({ length: users * factors }, normal),
    itemFactors: Float32Array.from({ length: items * factors }, normal),
  };
}

export const idsFor = (users: number, items: number) => ({
  users: Array.from({ length: users }, (_, i) => `user-${String(i + 1).padStart(4, '0')}`),
  items: Array.from({ length: items }, (_, i) => `product-${String(i + 1).padStart(5, '0')}`),
});

export async function publishRandomModel(repository: string, seed: number, users = 40, items = 60, factors = 8, k = 5) {
  const model = randomModel(seed, users, items, factors);
  const versions = await publishTrainedModels(repository, model, idsFor(users, items), { k, maxBatchSize: 64 });
  return { model, versions };
}

/** The score the model must give (user, item): a float64 dot product of the factors. */
export function expectedScore(model: AlsModel, user: number, item: number): number {
  let s = 0;
  for (let f = 0; f < model.factors; f++) s += model.userFactors[user * model.factors + f] * model.itemFactors[item * model.factors + f];
  return s;
}

export function bestScore(model: AlsModel, user: number, excluded: Set<number> = new Set()): number {
  const items = model.itemFactors.length / model.factors;
  let best = -Infinity;
  for (let i = 0; i < items; i++) if (!excluded.has(i)) best = Math.max(best, expectedScore(model, user, i));
  return best;
}

export interface OipTensorOut {
  name: string;
  shape: number[];
  datatype: string;
  data: number[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever JSON the server answered
export interface HttpResult<T = any> {
  status: number;
  body: T;
}

export async function postJson(url: string, body: unknown): Promise<HttpResult> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

export async function getJson(url: string): Promise<HttpResult> {
  const response = await fetch(url);
  const text = await response.text();
  return { status: response.status, body: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

/** A recommender request; `exclude` is a required input, so rows exclude nothing ([-1]) unless given. */
export function userRequest(users: number[], exclude: number[][] = users.map(() => [-1])) {
  return {
    inputs: [
      { name: 'user_index', shape: [users.length, 1], datatype: 'INT64', data: users },
      { name: 'exclude', shape: [exclude.length, exclude[0].length], datatype: 'INT64', data: exclude.flat() },
    ],
  };
}

export function outputOf(body: { outputs: OipTensorOut[] }, name: string): OipTensorOut {
  const out = body.outputs.find((o) => o.name === name);
  if (!out) throw new Error(`no output ${name} in ${JSON.stringify(body)}`);
  return out;
}

/** Checks every returned row belongs to its user: scores equal that user's dot products, best first. */
export function expectRowsBelongTo(
  model: AlsModel,
  users: number[],
  body: { outputs: OipTensorOut[] },
  excluded: Set<number>[] = [],
): void {
  const items = outputOf(body, 'item_index');
  const scores = outputOf(body, 'score');
  const k = items.shape[1];
  expect(items.shape[0]).toBe(users.length);
  users.forEach((user, row) => {
    for (let r = 0; r < k; r++) {
      const item = items.data[row * k + r];
      const score = scores.data[row * k + r];
      expect(Math.abs(score - expectedScore(model, user, item))).toBeLessThan(1e-4);
      if (r > 0) expect(score).toBeLessThanOrEqual(scores.data[row * k + r - 1]);
      expect(excluded[row]?.has(item) ?? false).toBe(false);
    }
    expect(Math.abs(scores.data[row * k] - bestScore(model, user, excluded[row]))).toBeLessThan(1e-4);
  });
}
