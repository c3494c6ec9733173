/** @jest-environment ./inference/test/ort-environment.js */
/**
 * What stock Triton/KServe clients do, against our server over real HTTP (port 0): JSON bodies
 * without a Content-Type (Python clients send none), tensors in the binary data extension the way
 * tritonclient encodes them (JSON header + raw little-endian bytes, Inference-Header-Content-Length),
 * the config on both of Triton's routes holding only ModelConfig fields, and model metadata whose
 * parameters are plain values.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { startInferenceServer, type RunningInferenceServer } from '../index';
import { MODEL_CONFIG_FIELDS, MODEL_INPUT_FIELDS, MODEL_OUTPUT_FIELDS } from '../../test/support/oip-spec';
import { getJson, idsFor, outputOf, postJson, publishRandomModel, tempRepository, userRequest } from './helpers';

const USERS = 30;
const ITEMS = 40;

/** tritonclient's encoding: inputs as binary_data_size + bytes after the JSON header. */
function binaryRequest(users: number[], outputs: Record<string, unknown>[] | undefined, parameters?: Record<string, unknown>) {
  const user = Buffer.alloc(users.length * 8);
  users.forEach((u, i) => user.writeBigInt64LE(BigInt(u), i * 8));
  const exclude = Buffer.alloc(users.length * 8);
  users.forEach((_u, i) => exclude.writeBigInt64LE(-1n, i * 8));
  const header = Buffer.from(
    JSON.stringify({
      inputs: [
        { name: 'user_index', shape: [users.length, 1], datatype: 'INT64', parameters: { binary_data_size: user.length } },
        { name: 'exclude', shape: [users.length, 1], datatype: 'INT64', parameters: { binary_data_size: exclude.length } },
      ],
      ...(outputs ? { outputs } : {}),
      ...(parameters ? { parameters } : {}),
    }),
  );
  return { header, body: Buffer.concat([header, user, exclude]) };
}

/** Posts raw bytes with no Content-Type, as tritonclient does; splits a binary answer into JSON + tensors. */
async function postRaw(url: string, body: Buffer, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', body: new Uint8Array(body), headers });
  const bytes = Buffer.from(await response.arrayBuffer());
  const length = response.headers.get('inference-header-content-length');
  const jsonEnd = length === null ? bytes.length : Number(length);
  const json = JSON.parse(bytes.subarray(0, jsonEnd).toString('utf8'));
  const tensors: Record<string, number[]> = {};
  let offset = jsonEnd;
  for (const output of json.outputs ?? []) {
    const size = output.parameters?.binary_data_size;
    if (size === undefined) continue;
    const raw = bytes.subarray(offset, offset + size);
    offset += size;
    tensors[output.name] =
      output.datatype === 'INT64'
        ? Array.from({ length: size / 8 }, (_, i) => Number(raw.readBigInt64LE(i * 8)))
        : Array.from({ length: size / 4 }, (_, i) => raw.readFloatLE(i * 4));
  }
  return { status: response.status, contentType: response.headers.get('content-type'), json, tensors, trailing: bytes.length - offset };
}

describe('interoperability with stock OIP clients', () => {
  let repo: Awaited<ReturnType<typeof tempRepository>>;
  let server: RunningInferenceServer;
  let infer: string;

  beforeAll(async () => {
    repo = await tempRepository();
    await publishRandomModel(repo.dir, 3, USERS, ITEMS);
    server = await startInferenceServer({ port: 0, modelRepository: repo.dir, executionProviders: ['cpu'], pollIntervalMs: 0 });
    infer = `${server.url}/v2/models/recommender/infer`;
  });

  afterAll(async () => {
    await server?.close();
    await repo?.remove();
  });

  it('parses a JSON body sent without a Content-Type', async () => {
    const answer = await postRaw(infer, Buffer.from(JSON.stringify(userRequest([1, 2]))));
    expect(answer.status).toBe(200);
    expect(answer.json.outputs.map((o: { shape: number[] }) => o.shape)).toEqual([
      [2, 5],
      [2, 5],
    ]);
  });

  it('takes binary inputs and answers binary outputs that equal the JSON answer', async () => {
    const users = [0, 4, 29];
    const reference = await postJson(infer, userRequest(users));
    const { header, body } = binaryRequest(users, [
      { name: 'item_index', parameters: { binary_data: true } },
      { name: 'score', parameters: { binary_data: false } },
    ]);
    const answer = await postRaw(infer, body, { 'Inference-Header-Content-Length': String(header.length) });
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/application\/octet-stream/);
    expect(answer.trailing).toBe(0);
    expect(answer.tensors.item_index).toEqual(outputOf(reference.body, 'item_index').data);
    const score = answer.json.outputs.find((o: { name: string }) => o.name === 'score');
    expect(score.data).toEqual(outputOf(reference.body, 'score').data);
    expect(answer.json.outputs[0]).toEqual({ name: 'item_index', datatype: 'INT64', shape: [3, 5], parameters: { binary_data_size: 120 } });
  });

  it('answers every output in binary when the request sets binary_data_output (tritonclient with no outputs named)', async () => {
    const users = [7];
    const reference = await postJson(infer, userRequest(users));
    const { header, body } = binaryRequest(users, undefined, { binary_data_output: true });
    const answer = await postRaw(infer, body, { 'Inference-Header-Content-Length': String(header.length) });
    expect(answer.status).toBe(200);
    expect(answer.tensors.item_index).toEqual(outputOf(reference.body, 'item_index').data);
    answer.tensors.score.forEach((value, i) => expect(value).toBeCloseTo(outputOf(reference.body, 'score').data[i], 5));
  });

  it.each([
    ['header length past the body', (h: Buffer) => String(h.length + 1000), /Inference-Header-Content-Length/],
    ['header length cutting the JSON', (h: Buffer) => String(h.length - 3), /request body/],
  ])('rejects %s with 400', async (_label, headerLength, message) => {
    const { header, body } = binaryRequest([1], undefined);
    const answer = await postRaw(infer, body, { 'Inference-Header-Content-Length': headerLength(header) });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toMatch(message);
  });

  it('rejects binary sizes that do not add up with 400', async () => {
    const { header, body } = binaryRequest([1], undefined);
    const short = await postRaw(infer, body.subarray(0, body.length - 4), { 'Inference-Header-Content-Length': String(header.length) });
    expect(short.status).toBe(400);
    expect(short.json.error).toMatch(/"exclude" binary_data_size 8 runs past the end/);
    const extra = await postRaw(infer, Buffer.concat([body, Buffer.alloc(8)]), {
      'Inference-Header-Content-Length': String(header.length),
    });
    expect(extra.status).toBe(400);
    expect(extra.json.error).toMatch(/8 bytes after the binary inputs/);
  });

  it('serves the config on both routes with only ModelConfig fields, the id maps in parameters', async () => {
    for (const route of ['/v2/models/recommender/config', '/v2/models/recommender/versions/1/config']) {
      const { status, body } = await getJson(server.url + route);
      expect(status).toBe(200);
      expect(Object.keys(body).filter((field) => !MODEL_CONFIG_FIELDS.has(field))).toEqual([]);
      for (const input of body.input) expect(Object.keys(input).filter((f) => !MODEL_INPUT_FIELDS.has(f))).toEqual([]);
      for (const output of body.output) expect(Object.keys(output).filter((f) => !MODEL_OUTPUT_FIELDS.has(f))).toEqual([]);
      for (const value of Object.values(body.parameters)) expect(Object.keys(value as object)).toEqual(['string_value']);
      expect(body.parameters['pad_value.exclude']).toEqual({ string_value: '-1' });
      const ids = JSON.parse(body.parameters['ids.1'].string_value);
      expect(ids.items).toEqual(idsFor(USERS, ITEMS).items);
      expect(ids.cold_start_index).toBe(USERS);
    }
  });

  it('model metadata parameters are strings, numbers or booleans', async () => {
    const { body } = await getJson(`${server.url}/v2/models/recommender/versions/1`);
    for (const value of Object.values(body.parameters)) expect(['string', 'number', 'boolean']).toContain(typeof value);
    expect(JSON.parse(body.parameters.metadata).input_bounds.user_index).toEqual([0, USERS + 1]);
  });

  it('publishes atomically: config.pbtxt names each version’s id maps, no staging folder is left in the repository', async () => {
    const pbtxt = await fs.readFile(path.join(repo.dir, 'recommender', 'config.pbtxt'), 'utf8');
    expect(pbtxt).toMatch(/parameters \{\n {2}key: "ids\.1"\n {2}value: \{ string_value: "\{\\"users\\":\[\\"user-0001\\"/);
    expect((await fs.readdir(repo.dir)).sort()).toEqual(['recommender', 'similar_items']);
    expect((await fs.readdir(path.join(repo.dir, 'recommender'))).sort()).toEqual(['1', 'config.json', 'config.pbtxt']);
    expect((await fs.readdir(path.dirname(repo.dir))).filter((name) => name.includes(path.basename(repo.dir) + '.staging'))).toEqual([]);
  });
});
