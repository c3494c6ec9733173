/** @jest-environment ./inference/test/ort-environment.js */
/**
 * Versions: a new version published under load is picked up without a restart, and the swap loses
 * no request and runs no row twice; versions retired from disk by publishes faster than the poll
 * fail no request; a traffic split routes users stably between two versions.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { startInferenceServer } from '../index';
import type { ModelConfig } from '../repository/model-config';
import { RECOMMENDER, idsParameter, type IdMaps } from '../../platform/model-contract';
import { publishTrainedModels } from '../../training/export-models';
import { seededRandom } from '../../training/rng';
import { listVersions, readIdMaps } from '../repository/model-repository';
import {
  expectRowsBelongTo,
  getJson,
  idsFor,
  postJson,
  publishRandomModel,
  randomModel,
  tempRepository,
  userRequest,
  type OipTensorOut,
} from './helpers';

const USERS = 30;
const ITEMS = 50;

async function counters(url: string) {
  const { body } = await getJson(`${url}/metrics`);
  const sum = (pattern: RegExp) => [...body.matchAll(pattern)].reduce((s: number, m: RegExpMatchArray) => s + Number(m[1]), 0);
  return {
    requests: sum(/^inference_requests_total\{model="recommender",version="\d+"\} (\S+)$/gm),
    errors: sum(/^inference_errors_total\{model="recommender",[^}]*\} (\S+)$/gm),
    rows: sum(/^inference_batch_size_sum\{model="recommender"\} (\S+)$/gm),
  };
}

describe('version swap under load', () => {
  it('serves every request exactly once, from the old or the new version, and retires the old one', async () => {
    const repo = await tempRepository();
    const v1 = await publishRandomModel(repo.dir, 11, USERS, ITEMS);
    const server = await startInferenceServer({ port: 0, modelRepository: repo.dir, executionProviders: ['cpu'], pollIntervalMs: 25 });
    try {
      const models = { '1': v1.model } as Record<string, typeof v1.model>;
      const url = `${server.url}/v2/models/recommender/infer`;
      const before = await counters(server.url);
      const random = seededRandom(5);
      const sent: { users: number[]; status: number; body: { model_version: string; outputs: OipTensorOut[] } }[] = [];
      let stop = false;
      const caller = async () => {
        while (!stop) {
          const users = Array.from({ length: 1 + Math.floor(random() * 3) }, () => Math.floor(random() * USERS));
          const { status, body } = await postJson(url, userRequest(users));
          sent.push({ users, status, body });
        }
      };
      const callers = Array.from({ length: 16 }, caller);
      await new Promise((r) => setTimeout(r, 200));
      models['2'] = (await publishRandomModel(repo.dir, 22, USERS, ITEMS)).model;
      const deadline = Date.now() + 10_000;
      while (!sent.some((s) => s.body.model_version === '2') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 200));
      stop = true;
      await Promise.all(callers);

      expect(sent.every((s) => s.status === 200)).toBe(true);
      const versions = new Set(sent.map((s) => s.body.model_version));
      expect(versions).toEqual(new Set(['1', '2']));
      for (const s of sent) expectRowsBelongTo(models[s.body.model_version], s.users, s.body);
      // Once version 2 answered, nobody is sent back to version 1.
      const firstV2 = sent.findIndex((s) => s.body.model_version === '2');
      expect(sent.slice(firstV2 + 16).every((s) => s.body.model_version === '2')).toBe(true);
      const after = await counters(server.url);
      expect(after.requests - before.requests).toBe(sent.length);
      expect(after.rows - before.rows).toBe(sent.reduce((n, s) => n + s.users.length, 0));
      expect(after.errors - before.errors).toBe(0);
      expect(server.store.loadedVersions('recommender')).toEqual([2]);
    } finally {
      await server.close();
      await repo.remove();
    }
  });
});

describe('retiring versions from disk', () => {
  it('fails no infer or config request while publishes faster than the poll retire versions a server still holds', async () => {
    const repo = await tempRepository();
    const ids = idsFor(USERS, ITEMS);
    const erased = ids.users[3];
    await publishRandomModel(repo.dir, 11, USERS, ITEMS);
    const server = await startInferenceServer({ port: 0, modelRepository: repo.dir, executionProviders: ['cpu'], pollIntervalMs: 25 });
    try {
      const random = seededRandom(7);
      const statuses: number[] = [];
      const configs: { status: number; body: { parameters?: Record<string, { string_value: string }> } }[] = [];
      let stop = false;
      const caller = async () => {
        while (!stop) {
          const users = [Math.floor(random() * (USERS - 1))];
          statuses.push((await postJson(`${server.url}/v2/models/recommender/infer`, userRequest(users))).status);
          configs.push(await getJson(`${server.url}/v2/models/recommender/config`));
        }
      };
      const callers = Array.from({ length: 8 }, caller);
      await new Promise((r) => setTimeout(r, 100));
      // Trained after the erasure: no row for the erased user; nothing kept for rollback.
      const users = ids.users.filter((id) => id !== erased);
      for (const seed of [22, 33, 44]) {
        await publishTrainedModels(
          repo.dir,
          randomModel(seed, users.length, ITEMS, 8),
          { users, items: ids.items },
          { k: 5, maxBatchSize: 64, retention: { keepUnserved: 0, erasedUserIds: [erased] } },
        );
      }
      const deadline = Date.now() + 10_000;
      while (server.store.loadedVersions(RECOMMENDER).join() !== '4' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      stop = true;
      await Promise.all(callers);

      expect(server.store.loadedVersions(RECOMMENDER)).toEqual([4]);
      expect(await listVersions(repo.dir, RECOMMENDER)).toEqual([3, 4]);
      expect(statuses.length).toBeGreaterThan(0);
      expect(statuses.every((status) => status === 200)).toBe(true);
      expect(configs.every((config) => config.status === 200)).toBe(true);
      // The id map served, and every one on disk, leaves the erased user out.
      const { body } = await getJson(`${server.url}/v2/models/recommender/config`);
      expect((JSON.parse(body.parameters[idsParameter(4)].string_value) as IdMaps).users).toEqual(users);
      for (const version of [3, 4]) expect((await readIdMaps(repo.dir, RECOMMENDER, version)).users).not.toContain(erased);
      expect(await fs.readFile(path.join(repo.dir, RECOMMENDER, 'config.pbtxt'), 'utf8')).not.toContain(erased);
    } finally {
      await server.close();
      await repo.remove();
    }
  });
});

describe('traffic split', () => {
  it('routes each user stably to one of two versions by the hash of its routing key', async () => {
    const repo = await tempRepository();
    const v1 = await publishRandomModel(repo.dir, 11, USERS, ITEMS);
    const v2 = await publishRandomModel(repo.dir, 22, USERS, ITEMS);
    const server = await startInferenceServer({ port: 0, modelRepository: repo.dir, executionProviders: ['cpu'], pollIntervalMs: 0 });
    try {
      expect(server.store.loadedVersions('recommender')).toEqual([2]); // default policy: latest 1
      const configFile = path.join(repo.dir, 'recommender', 'config.json');
      const config: ModelConfig = JSON.parse(await fs.readFile(configFile, 'utf8'));
      config.version_policy = { latest: { num_versions: 2 } };
      config.traffic_split = { '1': 50, '2': 50 };
      await fs.writeFile(configFile, JSON.stringify(config));
      await server.store.refresh(); // what the poller does; config changes apply without a restart
      expect(server.store.loadedVersions('recommender')).toEqual([1, 2]);

      const url = `${server.url}/v2/models/recommender/infer`;
      const route = async (user: number) => {
        const { body } = await postJson(url, { ...userRequest([user]), parameters: { routing_key: `user-${user}` } });
        expectRowsBelongTo(body.model_version === '1' ? v1.model : v2.model, [user], body);
        return body.model_version as string;
      };
      const first = await Promise.all(Array.from({ length: USERS }, (_, u) => route(u)));
      const again = await Promise.all(Array.from({ length: USERS }, (_, u) => route(u)));
      expect(again).toEqual(first);
      expect(new Set(first)).toEqual(new Set(['1', '2']));
      const pinned = await postJson(`${server.url}/v2/models/recommender/versions/1/infer`, userRequest([3]));
      expect(pinned.body.model_version).toBe('1');
    } finally {
      await server.close();
      await repo.remove();
    }
  });
});
