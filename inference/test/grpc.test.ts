/** @jest-environment ./inference/test/ort-environment.js */
/**
 * The Open Inference Protocol over gRPC, against the real server on ephemeral ports, through a
 * client generated from the same service definition (as Triton's and KServe's clients are):
 * health, metadata, inference with typed contents and with raw_input_contents (tritonclient's
 * way), answers equal to the HTTP ones, and the same errors as HTTP with gRPC status codes.
 */
import * as grpc from '@grpc/grpc-js';
import { startInferenceServer, type RunningInferenceServer } from '../index';
import { loadOipPackage } from '../server/grpc-proto';
import { outputOf, postJson, publishRandomModel, tempRepository, userRequest } from './helpers';

const USERS = 20;
const ITEMS = 30;

/** A generated client: its methods come from the .proto, not from TypeScript. */
type GeneratedClient = grpc.Client &
  Record<string, (request: unknown, callback: (error: grpc.ServiceError | null, response: unknown) => void) => void>;

describe('inference server (OIP over gRPC)', () => {
  let repo: Awaited<ReturnType<typeof tempRepository>>;
  let server: RunningInferenceServer;
  let client: GeneratedClient;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see GeneratedClient
  const call = (method: string, request: unknown): Promise<any> =>
    new Promise((resolve, reject) =>
      client[method].call(client, request, (error, response) => (error ? reject(error) : resolve(response))),
    );
  const int64Input = (name: string, rows: number[][]) => ({
    name,
    datatype: 'INT64',
    shape: [rows.length, rows[0].length],
    contents: { int64_contents: rows.flat() },
  });
  const raw64 = (values: number[]) => {
    const bytes = Buffer.alloc(values.length * 8);
    values.forEach((v, i) => bytes.writeBigInt64LE(BigInt(v), i * 8));
    return bytes;
  };

  beforeAll(async () => {
    repo = await tempRepository();
    await publishRandomModel(repo.dir, 9, USERS, ITEMS);
    server = await startInferenceServer({
      port: 0,
      host: '127.0.0.1',
      modelRepository: repo.dir,
      executionProviders: ['cpu'],
      pollIntervalMs: 0,
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see GeneratedClient
    const Service = (grpc.loadPackageDefinition(loadOipPackage()) as any).inference.GRPCInferenceService;
    client = new Service(server.grpcAddress, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    await server?.close();
    await repo?.remove();
  });

  it('answers health and metadata', async () => {
    expect(await call('ServerLive', {})).toEqual({ live: true });
    expect(await call('ServerReady', {})).toEqual({ ready: true });
    expect((await call('ServerMetadata', {})).extensions).toContain('binary_tensor_data');
    expect(await call('ModelReady', { name: 'recommender', version: '1' })).toEqual({ ready: true });
    expect(await call('ModelMetadata', { name: 'recommender', version: '' })).toMatchObject({
      name: 'recommender',
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: [
        { name: 'user_index', datatype: 'INT64', shape: [-1, 1] },
        { name: 'exclude', datatype: 'INT64', shape: [-1, -1] },
      ],
      outputs: [
        { name: 'item_index', datatype: 'INT64', shape: [-1, 5] },
        { name: 'score', datatype: 'FP32', shape: [-1, 5] },
      ],
    });
  });

  it('infers from typed contents and from raw_input_contents, answering what HTTP answers', async () => {
    const users = [0, 3, 19];
    const reference = (await postJson(`${server.url}/v2/models/recommender/infer`, userRequest(users, [[1], [-1], [2]]))).body;
    const typed = await call('ModelInfer', {
      model_name: 'recommender',
      id: 'grpc-1',
      inputs: [
        int64Input(
          'user_index',
          users.map((u) => [u]),
        ),
        int64Input('exclude', [[1], [-1], [2]]),
      ],
    });
    const raw = await call('ModelInfer', {
      model_name: 'recommender',
      model_version: '1',
      inputs: [
        { name: 'user_index', datatype: 'INT64', shape: [3, 1] },
        { name: 'exclude', datatype: 'INT64', shape: [3, 1] },
      ],
      outputs: [{ name: 'item_index' }],
      raw_input_contents: [raw64(users), raw64([1, -1, 2])],
    });
    expect(typed).toMatchObject({ model_name: 'recommender', model_version: '1', id: 'grpc-1' });
    expect(typed.parameters.execution_provider.string_param).toBe('cpu');
    const decode = (response: { outputs: { name: string; datatype: string }[]; raw_output_contents: Buffer[] }, name: string) => {
      const index = response.outputs.findIndex((o) => o.name === name);
      const bytes = response.raw_output_contents[index];
      return response.outputs[index].datatype === 'INT64'
        ? Array.from({ length: bytes.length / 8 }, (_, i) => Number(bytes.readBigInt64LE(i * 8)))
        : Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
    };
    expect(typed.outputs.map((o: { name: string; shape: number[] }) => [o.name, o.shape])).toEqual([
      ['item_index', [3, 5]],
      ['score', [3, 5]],
    ]);
    expect(decode(typed, 'item_index')).toEqual(outputOf(reference, 'item_index').data);
    decode(typed, 'score').forEach((s, i) => expect(s).toBeCloseTo(outputOf(reference, 'score').data[i], 5));
    expect(raw.outputs.map((o: { name: string }) => o.name)).toEqual(['item_index']);
    expect(decode(raw, 'item_index')).toEqual(outputOf(reference, 'item_index').data);
  });

  it.each([
    ['unknown model', { model_name: 'nope', inputs: [int64Input('user_index', [[1]])] }, /unknown model "nope"/],
    ['missing required input', { model_name: 'recommender', inputs: [int64Input('user_index', [[1]])] }, /missing input "exclude"/],
    [
      'user out of range',
      { model_name: 'recommender', inputs: [int64Input('user_index', [[USERS + 7]]), int64Input('exclude', [[-1]])] },
      /"user_index" value #0 \(27\) is out of range/,
    ],
    [
      'raw contents for some inputs only',
      {
        model_name: 'recommender',
        inputs: [int64Input('user_index', [[1]]), int64Input('exclude', [[-1]])],
        raw_input_contents: [raw64([1])],
      },
      /raw_input_contents has 1 entries but there are 2 inputs/,
    ],
  ])('%s → INVALID_ARGUMENT with the HTTP message and the platform code', async (_label, request, message) => {
    const error = (await call('ModelInfer', request).catch((e: grpc.ServiceError) => e)) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toMatch(message);
    expect(error.metadata.get('error-code')).toEqual(['BAD_USER_INPUT']);
  });
});
