/** @jest-environment ./inference/test/ort-environment.js */
/**
 * What a caller can make the inference server hold or allocate, against real servers over HTTP and
 * gRPC on ephemeral ports: every variable dimension has a ceiling (the config's max_dims, or one
 * derived for a model without), a body or message may be no larger than the largest valid request
 * needs, the requests in flight are bounded, a wide row is refused rather than padded onto its
 * batch neighbours, binary tensors are sized before they are decoded, and internal errors answer
 * only an id.
 */
import { promises as fs } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { startInferenceServer, type RunningInferenceServer } from '../index';
import type { ModelConfig } from '../repository/model-config';
import { loadOipPackage } from '../server/grpc-proto';
import { EXCLUDE_MAX_WIDTH } from '../../platform/model-contract';
import { getJson, outputOf, postJson, publishRandomModel, tempRepository, userRequest } from './helpers';

const USERS = 20;
const ITEMS = 30;

type GeneratedClient = grpc.Client &
  Record<string, (request: unknown, callback: (error: grpc.ServiceError | null, response: unknown) => void) => void>;

function grpcClient(address: string): GeneratedClient {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the generated client is typed by the .proto
  const Service = (grpc.loadPackageDefinition(loadOipPackage()) as any).inference.GRPCInferenceService;
  return new Service(address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': -1 });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever the server answered
function grpcCall(client: GeneratedClient, method: string, request: unknown): Promise<any> {
  return new Promise((resolve, reject) =>
    client[method].call(client, request, (error, response) => (error ? reject(error) : resolve(response))),
  );
}

const grpcError = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: grpc.ServiceError) => error,
  );

const int64Bytes = (values: number[]) => {
  const bytes = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => bytes.writeBigInt64LE(BigInt(v), i * 8));
  return bytes;
};

async function editConfig(repository: string, from: string, to: string, edit: (config: ModelConfig) => void): Promise<void> {
  await fs.cp(path.join(repository, from), path.join(repository, to), { recursive: true });
  const file = path.join(repository, to, 'config.json');
  const config: ModelConfig = JSON.parse(await fs.readFile(file, 'utf8'));
  config.name = to;
  edit(config);
  await fs.writeFile(file, JSON.stringify(config));
}

describe('inference request limits', () => {
  let repo: Awaited<ReturnType<typeof tempRepository>>;
  let server: RunningInferenceServer;
  let client: GeneratedClient;
  let infer: string;
  const logLines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    repo = await tempRepository();
    await publishRandomModel(repo.dir, 5, USERS, ITEMS);
    // A model published before max_dims existed: its ceilings are derived from its own sizes.
    await editConfig(repo.dir, 'similar_items', 'legacy_similar', (config) => {
      for (const input of config.input) delete input.max_dims;
    });
    // A config that names an input the ONNX graph lacks: every execution fails inside onnxruntime.
    await editConfig(repo.dir, 'recommender', 'broken', (config) => {
      config.input[1].name = 'exclude_rows';
    });
    const logger = pino({ level: 'error' }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
    server = await startInferenceServer({
      port: 0,
      host: '127.0.0.1',
      modelRepository: repo.dir,
      executionProviders: ['cpu'],
      pollIntervalMs: 0,
      logger,
    });
    client = grpcClient(server.grpcAddress);
    infer = `${server.url}/v2/models/recommender/infer`;
  });

  afterAll(async () => {
    client?.close();
    await server?.close();
    await repo?.remove();
  });

  describe('variable dimensions have a maximum', () => {
    const wide = (width: number) => userRequest([1], [Array.from({ length: width }, () => -1)]);

    it('the exporters write it, and the config carries it in parameters as Triton would', async () => {
      const { body } = await getJson(`${server.url}/v2/models/recommender/config`);
      expect(body.parameters['max_dims.exclude']).toEqual({ string_value: `[${EXCLUDE_MAX_WIDTH}]` });
      const pbtxt = await fs.readFile(path.join(repo.dir, 'recommender', 'config.pbtxt'), 'utf8');
      expect(pbtxt).toContain(`key: "max_dims.exclude"\n  value: { string_value: "[${EXCLUDE_MAX_WIDTH}]" }`);
    });

    it('HTTP: a row wider than the maximum → 400 naming the tensor and the limit', async () => {
      expect((await postJson(infer, wide(EXCLUDE_MAX_WIDTH))).status).toBe(200);
      const { status, body } = await postJson(infer, wide(EXCLUDE_MAX_WIDTH + 1));
      expect(status).toBe(400);
      expect(body).toMatchObject({
        code: 'BAD_USER_INPUT',
        error: `input "exclude" dimension 1 is ${EXCLUDE_MAX_WIDTH + 1}, above its maximum ${EXCLUDE_MAX_WIDTH} (the model's max_dims.exclude)`,
      });
    });

    it('gRPC: the same → INVALID_ARGUMENT with the same message', async () => {
      const width = EXCLUDE_MAX_WIDTH + 1;
      const error = await grpcError(
        grpcCall(client, 'ModelInfer', {
          model_name: 'recommender',
          inputs: [
            { name: 'user_index', datatype: 'INT64', shape: [1, 1] },
            { name: 'exclude', datatype: 'INT64', shape: [1, width] },
          ],
          raw_input_contents: [int64Bytes([1]), int64Bytes(Array.from({ length: width }, () => -1))],
        }),
      );
      expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(error.details).toBe(
        `input "exclude" dimension 1 is ${width}, above its maximum ${EXCLUDE_MAX_WIDTH} (the model's max_dims.exclude)`,
      );
    });

    it('a model without max_dims gets one from its own sizes (distinct item indices), and its config says so', async () => {
      const { body: config } = await getJson(`${server.url}/v2/models/legacy_similar/config`);
      // exclude takes item indices in [-1, ITEMS + 1): no row needs more than ITEMS + 2 of them.
      expect(config.parameters['max_dims.exclude']).toEqual({ string_value: `[${ITEMS + 2}]` });
      const request = (width: number) => ({
        inputs: [
          { name: 'query_item_index', shape: [1, 1], datatype: 'INT64', data: [3] },
          { name: 'exclude', shape: [1, width], datatype: 'INT64', data: Array.from({ length: width }, () => -1) },
        ],
      });
      const url = `${server.url}/v2/models/legacy_similar/infer`;
      expect((await postJson(url, request(ITEMS + 2))).status).toBe(200);
      const { status, body } = await postJson(url, request(ITEMS + 3));
      expect(status).toBe(400);
      expect(body.error).toBe(
        `input "exclude" dimension 1 is ${ITEMS + 3}, above its maximum ${ITEMS + 2} (the default for a model without max_dims)`,
      );
    });
  });

  it("one caller's wide exclude is refused instead of widening its batch neighbours, whose answers stay their own", async () => {
    const users = Array.from({ length: 16 }, (_, i) => i % USERS);
    const alone = await Promise.all(users.map(async (u) => (await postJson(infer, userRequest([u]))).body));
    const tooWide = userRequest([0], [Array.from({ length: 100_000 }, () => -1)]);
    const widest = userRequest([0], [Array.from({ length: EXCLUDE_MAX_WIDTH }, (_, i) => (i < 3 ? i : -1))]);
    const [refused, allowed, ...together] = await Promise.all([
      postJson(infer, tooWide),
      postJson(infer, widest),
      ...users.map((u) => postJson(infer, userRequest([u]))),
    ]);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/"exclude" dimension 1 is 100000, above its maximum 2048/);
    expect(allowed.status).toBe(200);
    expect(outputOf(allowed.body, 'item_index').data).not.toEqual(expect.arrayContaining([0]));
    together.forEach((answer, i) => {
      expect(answer.status).toBe(200);
      for (const name of ['item_index', 'score']) {
        expect(outputOf(answer.body, name).shape).toEqual([1, 5]);
        expect(outputOf(answer.body, name).data).toEqual(outputOf(alone[i], name).data);
      }
    });
  });

  describe('bodies and messages are no larger than the largest valid request needs', () => {
    it('HTTP: a body above the model’s limit → 413 before it is parsed', async () => {
      const padded = JSON.stringify(userRequest([1])) + ' '.repeat(3 * 1024 * 1024);
      const { status, body } = await postJson(infer, padded);
      expect(status).toBe(413);
      expect(body.error).toMatch(/above the \d+ bytes the largest valid request to this model needs/);
      expect((await postJson(infer, userRequest([1]))).status).toBe(200);
    });

    it('HTTP: the same without a Content-Length (chunked) → 413', async () => {
      const status = await new Promise<number>((resolve, reject) => {
        const request = http.request(`${infer}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        request.on('error', reject);
        const chunk = Buffer.alloc(256 * 1024, 0x20);
        let sent = 0;
        const pump = () => {
          while (sent < 16 && request.write(chunk)) sent++;
          if (sent < 16) request.once('drain', () => (sent++, pump()));
          else request.end();
        };
        pump();
      });
      expect(status).toBe(413);
    });

    it('gRPC: a message above the server’s limit → RESOURCE_EXHAUSTED', async () => {
      const error = await grpcError(
        grpcCall(client, 'ModelInfer', {
          model_name: 'recommender',
          inputs: [{ name: 'user_index', datatype: 'INT64', shape: [1, 1] }],
          raw_input_contents: [Buffer.alloc(6 * 1024 * 1024)],
        }),
      );
      expect(error.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    });
  });

  describe('binary tensors', () => {
    it('HTTP: a binary_data_size that does not match shape × datatype → 400', async () => {
      const header = Buffer.from(
        JSON.stringify({
          inputs: [
            { name: 'user_index', shape: [1, 1], datatype: 'INT64', parameters: { binary_data_size: 16 } },
            { name: 'exclude', shape: [1, 1], datatype: 'INT64', data: [-1] },
          ],
        }),
      );
      const response = await fetch(infer, {
        method: 'POST',
        headers: { 'inference-header-content-length': String(header.length) },
        body: new Uint8Array(Buffer.concat([header, int64Bytes([1, 2])])),
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe(
        'input "user_index" has 16 bytes of binary data but shape [1, 1] of INT64 needs 8',
      );
    });

    it('gRPC: raw_input_contents of the wrong size → INVALID_ARGUMENT', async () => {
      const error = await grpcError(
        grpcCall(client, 'ModelInfer', {
          model_name: 'recommender',
          inputs: [
            { name: 'user_index', datatype: 'INT64', shape: [2, 1] },
            { name: 'exclude', datatype: 'INT64', shape: [2, 1] },
          ],
          raw_input_contents: [int64Bytes([1, 2]), int64Bytes([-1, -1, -1])],
        }),
      );
      expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(error.details).toBe('input "exclude" has 24 bytes of binary data but shape [2, 1] of INT64 needs 16');
    });
  });

  describe('internal errors answer an id, never their message', () => {
    const leaks = /execution|exclude_rows|onnx|feeds|input/i;

    it('HTTP: 500 with a generic message and the id of the log line that holds the details', async () => {
      const { status, body } = await postJson(`${server.url}/v2/models/broken/infer`, {
        inputs: [
          { name: 'user_index', shape: [1, 1], datatype: 'INT64', data: [1] },
          { name: 'exclude_rows', shape: [1, 1], datatype: 'INT64', data: [-1] },
        ],
      });
      expect(status).toBe(500);
      expect(body).toEqual({
        error: `internal error (request id ${body.request_id})`,
        code: 'INTERNAL_SERVER_ERROR',
        request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      expect(JSON.stringify(body)).not.toMatch(leaks);
      const logged = logLines.find((line) => line.request_id === body.request_id);
      expect(logged).toMatchObject({ msg: 'inference request failed', err: { message: expect.stringMatching(/model execution failed/) } });
    });

    it('gRPC: INTERNAL with the same generic details and the id in the trailing metadata', async () => {
      const error = await grpcError(
        grpcCall(client, 'ModelInfer', {
          model_name: 'broken',
          inputs: [
            { name: 'user_index', datatype: 'INT64', shape: [1, 1], contents: { int64_contents: [1] } },
            { name: 'exclude_rows', datatype: 'INT64', shape: [1, 1], contents: { int64_contents: [-1] } },
          ],
        }),
      );
      expect(error.code).toBe(grpc.status.INTERNAL);
      const [id] = error.metadata.get('request-id');
      expect(error.details).toBe(`internal error (request id ${id})`);
      expect(error.details).not.toMatch(leaks);
      expect(logLines.find((line) => line.request_id === id)).toMatchObject({ grpc_method: 'ModelInfer' });
    });
  });
});

describe('requests in flight are bounded (INFERENCE_MAX_IN_FLIGHT)', () => {
  let repo: Awaited<ReturnType<typeof tempRepository>>;
  let server: RunningInferenceServer;
  let client: GeneratedClient;

  beforeAll(async () => {
    repo = await tempRepository();
    await publishRandomModel(repo.dir, 6, USERS, ITEMS);
    server = await startInferenceServer({
      port: 0,
      host: '127.0.0.1',
      modelRepository: repo.dir,
      executionProviders: ['cpu'],
      pollIntervalMs: 0,
      maxInFlight: 1,
    });
    client = grpcClient(server.grpcAddress);
  });

  afterAll(async () => {
    client?.close();
    await server?.close();
    await repo?.remove();
  });

  it('a request whose body is still arriving holds the only slot: others get 429 with Retry-After and RESOURCE_EXHAUSTED, then are served', async () => {
    const infer = `${server.url}/v2/models/recommender/infer`;
    const body = Buffer.from(JSON.stringify(userRequest([2])));
    // Half a body sent, the rest held back: the server holds this request until it completes.
    let answered!: (status: number) => void;
    const held = new Promise<number>((resolve) => (answered = resolve));
    const slow = http.request(
      infer,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length) } },
      (response) => {
        response.resume();
        answered(response.statusCode ?? 0);
      },
    );
    slow.write(body.subarray(0, 10));
    while (server.inFlight() < 1) await new Promise((resolve) => setTimeout(resolve, 5));

    const busy = await fetch(infer, { method: 'POST', body: JSON.stringify(userRequest([1])) });
    expect(busy.status).toBe(429);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(await busy.json()).toEqual({
      code: 'RATE_LIMITED',
      error: 'busy: 1 requests in flight (INFERENCE_MAX_IN_FLIGHT 1); retry after 1 s',
    });
    const error = await grpcError(
      grpcCall(client, 'ModelInfer', {
        model_name: 'recommender',
        inputs: [
          { name: 'user_index', datatype: 'INT64', shape: [1, 1], contents: { int64_contents: [1] } },
          { name: 'exclude', datatype: 'INT64', shape: [1, 1], contents: { int64_contents: [-1] } },
        ],
      }),
    );
    expect(error.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(error.metadata.get('error-code')).toEqual(['RATE_LIMITED']);

    slow.end(body.subarray(10));
    expect(await held).toBe(200);
    // The slot is free again once the held request's answer went out.
    expect((await postJson(infer, userRequest([1]))).status).toBe(200);
    const served = await grpcCall(client, 'ModelInfer', {
      model_name: 'recommender',
      inputs: [
        { name: 'user_index', datatype: 'INT64', shape: [1, 1], contents: { int64_contents: [1] } },
        { name: 'exclude', datatype: 'INT64', shape: [1, 1], contents: { int64_contents: [-1] } },
      ],
    });
    expect(served.model_name).toBe('recommender');
  });
});
