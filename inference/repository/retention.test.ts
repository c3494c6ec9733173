/**
 * What a publish leaves on disk: the versions the policy serves, the newest unserved ones kept for
 * rollback, the version served until the publish — and no id map naming an erased user.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ERASED_USER, RECOMMENDER, TENSORS, type IdMaps } from '../../platform/model-contract';
import { servingConfig } from '../../training/export-models';
import type { VersionPolicy } from './model-config';
import { listVersions, publishModelVersion, readIdMaps } from './model-repository';
import { versionsToRetire, withoutErased } from './retention';

let repository: string;
beforeEach(async () => {
  repository = await fs.mkdtemp(path.join(os.tmpdir(), 'retention-'));
});
afterEach(() => fs.rm(repository, { recursive: true, force: true }));

const USERS = ['user-a', 'user-b', 'user-c', 'user-d'];

/** Publishes a version (no server loads it here, so the ONNX bytes are a stand-in) under `policy`. */
function publish(policy: VersionPolicy, options: { users?: string[]; keepUnserved?: number; erasedUserIds?: string[] } = {}) {
  const { users = USERS, ...retention } = options;
  const config = { ...servingConfig(RECOMMENDER, TENSORS.userIndex, 2, 8), version_policy: policy };
  const ids: IdMaps = { users, items: ['p1', 'p2'], cold_start_index: users.length };
  return publishModelVersion(repository, { config, onnx: new Uint8Array([1]), metadata: { input_bounds: {} }, ids }, retention);
}

async function pbtxt(): Promise<string> {
  return fs.readFile(path.join(repository, RECOMMENDER, 'config.pbtxt'), 'utf8');
}

/** The `ids.<v>` parameters config.pbtxt carries, by version. */
async function pbtxtIds(): Promise<Record<string, IdMaps>> {
  const found: Record<string, IdMaps> = {};
  for (const match of (await pbtxt()).matchAll(/key: "ids\.(\d+)"\n {2}value: \{ string_value: "((?:[^"\\]|\\.)*)" \}/g)) {
    found[match[1]] = JSON.parse(match[2].replace(/\\(.)/g, '$1'));
  }
  return found;
}

describe('versionsToRetire', () => {
  it('keeps what the policy serves, the newest unserved ones, what was served before, and the newest', () => {
    expect(versionsToRetire([1, 2, 3], { latest: { num_versions: 1 } }, [2], 1)).toEqual([1]);
    expect(versionsToRetire([1, 2, 3], { latest: { num_versions: 1 } }, [2], 0)).toEqual([1]);
    expect(versionsToRetire([1, 2, 3, 4], { latest: { num_versions: 1 } }, [3], 0)).toEqual([1, 2]);
    expect(versionsToRetire([1, 2, 3, 4], { latest: { num_versions: 2 } }, [2, 3], 1)).toEqual([1]);
    expect(versionsToRetire([1, 2, 3], { specific: { versions: [1] } }, [1], 1)).toEqual([2]);
    expect(versionsToRetire([1, 2, 3], { specific: { versions: [1] } }, [1], 0)).toEqual([2]); // never the newest
    expect(versionsToRetire([1, 2, 3], { all: {} }, [1, 2], 0)).toEqual([]);
    expect(versionsToRetire([1, 2, 3], undefined, [2], 1)).toEqual([1]); // no policy: latest 1
    expect(versionsToRetire([], undefined, [], 0)).toEqual([]);
  });
});

describe('withoutErased', () => {
  it('blanks erased users in place, rows unchanged, and says when there is nothing to blank', () => {
    const ids: IdMaps = { users: USERS, items: ['p1'], cold_start_index: 4 };
    expect(withoutErased(ids, new Set(['user-b', 'user-x']))).toEqual({ ...ids, users: ['user-a', ERASED_USER, 'user-c', 'user-d'] });
    expect(withoutErased(ids, new Set(['user-x']))).toBeUndefined();
    expect(withoutErased({ items: ['p1'] }, new Set(['user-b']))).toBeUndefined();
  });
});

describe('publishing retires versions', () => {
  it('latest 1: the version served before the publish stays for rollback (MODEL_KEEP_VERSIONS=1), older ones go', async () => {
    const policy = { latest: { num_versions: 1 } };
    expect(await publish(policy)).toBe(1);
    expect(await publish(policy)).toBe(2);
    expect(await listVersions(repository, RECOMMENDER)).toEqual([1, 2]);
    expect(await publish(policy)).toBe(3);
    expect(await listVersions(repository, RECOMMENDER)).toEqual([2, 3]);
    expect(Object.keys(await pbtxtIds())).toEqual(['2', '3']);
    // Nothing half-deleted is left behind: only the versions and the config.
    expect((await fs.readdir(path.join(repository, RECOMMENDER))).sort()).toEqual(['2', '3', 'config.json', 'config.pbtxt']);
    // Numbers never come back: the next one counts on from the newest.
    expect(await publish(policy)).toBe(4);
  });

  it('latest 1 with nothing kept for rollback: the version served until the publish still stays until the next one', async () => {
    const policy = { latest: { num_versions: 1 } };
    for (let i = 0; i < 3; i++) await publish(policy, { keepUnserved: 0 });
    expect(await listVersions(repository, RECOMMENDER)).toEqual([2, 3]);
    await publish(policy, { keepUnserved: 0 });
    expect(await listVersions(repository, RECOMMENDER)).toEqual([3, 4]);
  });

  it('latest 2: both served versions stay, and one unserved for rollback', async () => {
    const policy = { latest: { num_versions: 2 } };
    for (let i = 0; i < 3; i++) await publish(policy);
    expect(await listVersions(repository, RECOMMENDER)).toEqual([1, 2, 3]);
    await publish(policy);
    expect(await listVersions(repository, RECOMMENDER)).toEqual([2, 3, 4]);
    await publish(policy, { keepUnserved: 0 });
    // 3 and 4 were served before, 4 and 5 are now; 2 goes.
    expect(await listVersions(repository, RECOMMENDER)).toEqual([3, 4, 5]);
  });

  it('specific: the pinned version stays however many are published after it', async () => {
    const policy = { specific: { versions: [1] } };
    for (let i = 0; i < 4; i++) await publish(policy);
    expect(await listVersions(repository, RECOMMENDER)).toEqual([1, 4]);
    expect(Object.keys(await pbtxtIds())).toEqual(['1', '4']);
  });

  it('a publish after an operator pinned an older version keeps that version until the next publish', async () => {
    const latest = { latest: { num_versions: 1 } };
    for (let i = 0; i < 3; i++) await publish(latest);
    // Version 3 misbehaves: roll back to 2 (kept for that), as an operator would, in config.json.
    const file = path.join(repository, RECOMMENDER, 'config.json');
    await fs.writeFile(
      file,
      JSON.stringify({ ...JSON.parse(await fs.readFile(file, 'utf8')), version_policy: { specific: { versions: [2] } } }),
    );
    // The next training publishes 4 with the default policy: 2 is still served until servers load 4.
    await publish(latest, { keepUnserved: 0 });
    expect(await listVersions(repository, RECOMMENDER)).toEqual([2, 4]);
  });
});

describe('publishing blanks erased users', () => {
  it('in the id maps of every version it keeps, rows unchanged; the new version never had them', async () => {
    const policy = { latest: { num_versions: 2 } };
    await publish(policy);
    await publish(policy);
    const erased = ['user-b', 'user-d'];
    // Trained after the erasure: the new version has no row for them (platform-source.ts).
    await publish(policy, { users: ['user-a', 'user-c'], erasedUserIds: erased });
    expect(await listVersions(repository, RECOMMENDER)).toEqual([1, 2, 3]);
    const fromConfig = await pbtxtIds();
    for (const version of [1, 2, 3]) {
      const onDisk = await readIdMaps(repository, RECOMMENDER, version);
      expect(fromConfig[version]).toEqual(onDisk);
      for (const id of erased) expect(onDisk.users).not.toContain(id);
    }
    for (const version of [1, 2]) {
      const ids = await readIdMaps(repository, RECOMMENDER, version);
      expect(ids.users).toEqual(['user-a', ERASED_USER, 'user-c', ERASED_USER]);
      expect(ids.cold_start_index).toBe(4);
    }
    for (const id of erased) expect(await pbtxt()).not.toContain(id);
    expect(Object.keys(fromConfig)).toEqual(['1', '2', '3']);
  });
});
