/**
 * Inference benchmark (127.0.0.1 only, ~1 minute):
 *
 * 1. Serving: one server process with two models over the same ONNX file — `recommender` with
 *    the dynamic batcher and `recommender_nobatch` without — hit by 1, 8, 64 and 256 concurrent
 *    callers (autocannon), one user per request. Throughput and p50/p99 latency for both, in one run.
 * 2. Scoring efficiency: GFLOP/s of the served graph (Gather → MatMul → ScatterElements → TopK) at
 *    batch 64 against a plain single MatMul of the same size in onnxruntime — the machine's
 *    practical limit.
 *
 * Writes bench/results/inference.json and prints it. `node dist/bench/inference.js`, or
 * `runInferenceBench()` from the platform's `npm run bench`.
 */
import { fork } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import * as ort from 'onnxruntime-node';
import { buildPlainMatMul, buildTopKScorer } from '../training/onnx/top-k-scorer';
import { publishModelVersion } from '../inference/repository/model-repository';
import { servingConfig } from '../training/export-models';
import { seededNormal } from '../training/rng';

export interface InferenceBenchOptions {
  items?: number;
  factors?: number;
  users?: number;
  k?: number;
  concurrency?: number[];
  secondsPerRun?: number;
  resultsFile?: string;
}

interface ServingFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

interface ScoringFigures {
  batch: number;
  scorerMs: number;
  scorerGflops: number;
  plainMatMulMs: number;
  plainMatMulGflops: number;
  ratio: number;
}

export interface InferenceBenchResult {
  machine: { cpus: number; cpuModel: string; node: string; onnxruntime: string };
  model: { items: number; factors: number; users: number; k: number; executionProvider: string };
  serving: { concurrency: number; batching: ServingFigures; noBatching: ServingFigures; speedup: number }[];
  batchingSpeedupAt64: number;
  scoring: ScoringFigures;
  scoringByFactors: { factors: number; ratio: number; scorerGflops: number }[];
  targets: { batchingSpeedupAt64: string; scoringRatio: string };
}

export async function runInferenceBench(options: InferenceBenchOptions = {}): Promise<InferenceBenchResult> {
  const items = options.items ?? 50_000;
  const factors = options.factors ?? 256;
  const users = options.users ?? 10_000;
  const k = options.k ?? 20;
  const concurrency = options.concurrency ?? [1, 8, 64, 256];
  const seconds = options.secondsPerRun ?? 4;
  const resultsFile = options.resultsFile ?? path.join(process.cwd(), 'bench', 'results', 'inference.json');

  const normal = seededNormal(2024);
  const itemFactors = Float32Array.from({ length: items * factors }, normal);
  const userFactors = Float32Array.from({ length: users * factors }, normal);
  const onnx = buildTopKScorer({
    name: 'recommender',
    queryInput: 'user_index',
    queries: userFactors,
    numQueries: users,
    items: itemFactors,
    numItems: items,
    factors,
    k,
  });

  // Scoring efficiency first, while nothing else runs in this process or on the two cores.
  const scoring = await measureScoring(onnx, itemFactors, userFactors, items, factors, 64);
  // The same measurement at smaller factor counts: TopK and the exclusion scatter cost O(items) per
  // row whatever the factor count, so the share of pure MatMul work falls as factors shrink.
  const scoringByFactors: InferenceBenchResult['scoringByFactors'] = [];
  for (const f of [32, 64, 128].filter((f) => f < factors)) {
    const small = Float32Array.from({ length: items * f }, normal);
    const smallUsers = Float32Array.from({ length: 64 * f }, normal);
    const smallOnnx = buildTopKScorer({
      name: 'recommender',
      queryInput: 'user_index',
      queries: smallUsers,
      numQueries: 64,
      items: small,
      numItems: items,
      factors: f,
      k,
    });
    const m = await measureScoring(smallOnnx, small, smallUsers, items, f, 64);
    scoringByFactors.push({ factors: f, ratio: m.ratio, scorerGflops: m.scorerGflops });
  }

  const repository = await fs.mkdtemp(path.join(os.tmpdir(), 'inference-bench-'));
  const server = await (async () => {
    const batched = servingConfig('recommender', 'user_index', k, 256);
    batched.dynamic_batching = { max_queue_delay_microseconds: 250, default_queue_policy: { max_queue_size: 8192 } };
    const unbatched = { ...servingConfig('recommender_nobatch', 'user_index', k, 256), dynamic_batching: undefined };
    const metadata = { input_bounds: { user_index: [0, users] as [number, number], exclude: [-1, items + 1] as [number, number] } };
    for (const config of [batched, unbatched]) await publishModelVersion(repository, { config, onnx, metadata, ids: { items: [] } });
    return startServerProcess(repository);
  })();

  const serving: InferenceBenchResult['serving'] = [];
  let provider: string;
  try {
    provider = ((await (await fetch(`${server.url}/v2/models/recommender`)).json()) as { parameters: { execution_provider: string } })
      .parameters.execution_provider;
    for (const mode of ['recommender', 'recommender_nobatch']) await load(`${server.url}/v2/models/${mode}/infer`, 8, 1, users); // warm-up
    for (const [index, c] of concurrency.entries()) {
      // Alternate which mode goes first, so slow drift on a shared machine does not favour one.
      const run = (model: string) => load(`${server.url}/v2/models/${model}/infer`, c, seconds, users);
      const [batching, noBatching] =
        index % 2 === 0
          ? [await run('recommender'), await run('recommender_nobatch')]
          : await run('recommender_nobatch').then(async (off) => [await run('recommender'), off]);
      serving.push({ concurrency: c, batching, noBatching, speedup: round(batching.requestsPerSecond / noBatching.requestsPerSecond) });
      process.stderr.write(`  ${c} callers: batching ${batching.requestsPerSecond} req/s, off ${noBatching.requestsPerSecond} req/s\n`);
    }
  } finally {
    await server.stop();
    await fs.rm(repository, { recursive: true, force: true });
  }

  const at64 = serving.find((s) => s.concurrency === 64);
  const result: InferenceBenchResult = {
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
      onnxruntime: ort.env.versions?.common ?? 'unknown',
    },
    model: { items, factors, users, k, executionProvider: provider },
    serving,
    batchingSpeedupAt64: at64?.speedup ?? NaN,
    scoring,
    scoringByFactors,
    targets: { batchingSpeedupAt64: '>= 3', scoringRatio: '>= 0.70' },
  };
  await fs.mkdir(path.dirname(resultsFile), { recursive: true });
  await fs.writeFile(resultsFile, JSON.stringify(result, null, 2) + '\n');
  return result;
}

export function formatBench(result: InferenceBenchResult): string {
  const lines = [
    `inference bench: ${result.model.items} items × ${result.model.factors} factors, top-${result.model.k}, served on ${result.model.executionProvider}, ${result.machine.cpus} CPUs (${result.machine.cpuModel})`,
    '| callers | batching req/s | p50 ms | p99 ms | off req/s | p50 ms | p99 ms | speedup |',
    '|--------:|---------------:|-------:|-------:|----------:|-------:|-------:|--------:|',
    ...result.serving.map(
      (s) =>
        `| ${s.concurrency} | ${s.batching.requestsPerSecond} | ${s.batching.p50Ms} | ${s.batching.p99Ms} | ${s.noBatching.requestsPerSecond} | ${s.noBatching.p50Ms} | ${s.noBatching.p99Ms} | ${s.speedup}× |`,
    ),
    `batching speedup at 64 callers: ${result.batchingSpeedupAt64}× (target ≥ 3×)`,
    `scoring at batch ${result.scoring.batch}: ${result.scoring.scorerGflops} GFLOP/s vs plain MatMul ${result.scoring.plainMatMulGflops} GFLOP/s = ${Math.round(result.scoring.ratio * 100)}% of the practical limit (target ≥ 70%)`,
    `  same ratio at fewer factors: ${result.scoringByFactors.map((s) => `F=${s.factors} ${Math.round(s.ratio * 100)}%`).join(', ')}`,
  ];
  return lines.join('\n');
}

async function load(url: string, connections: number, duration: number, users: number): Promise<ServingFigures> {
  let next = 0;
  const result = await autocannon({
    url,
    connections,
    duration,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({
            inputs: [
              { name: 'user_index', shape: [1, 1], datatype: 'INT64', data: [next++ % users] },
              { name: 'exclude', shape: [1, 1], datatype: 'INT64', data: [-1] },
            ],
          }),
        }),
      },
    ],
  });
  return {
    requestsPerSecond: Math.round(result.requests.total / result.duration),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** Median time of the served graph vs a plain MatMul of the same size, both in onnxruntime on the CPU. */
async function measureScoring(
  onnx: Uint8Array,
  itemFactors: Float32Array,
  userFactors: Float32Array,
  items: number,
  factors: number,
  batch: number,
): Promise<ScoringFigures> {
  const options: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], graphOptimizationLevel: 'all' };
  const scorer = await ort.InferenceSession.create(onnx, options);
  const plain = await ort.InferenceSession.create(buildPlainMatMul(factors, items, itemFactors), options);
  const scorerFeeds = {
    user_index: new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: batch }, (_, i) => BigInt(i)),
      [batch, 1],
    ),
    exclude: new ort.Tensor('int64', new BigInt64Array(batch).fill(-1n), [batch, 1]),
  };
  const plainFeeds = { a: new ort.Tensor('float32', userFactors.slice(0, batch * factors), [batch, factors]) };
  // Alternate the two, run for run, so drift on a shared machine (clock, neighbours) hits both alike.
  const scorerTimes: number[] = [];
  const plainTimes: number[] = [];
  for (let round = 0; round < 45; round++) {
    const s = await timeOnce(() => scorer.run(scorerFeeds));
    const p = await timeOnce(() => plain.run(plainFeeds, ['c_head']));
    if (round >= 5) {
      scorerTimes.push(s);
      plainTimes.push(p);
    }
  }
  const scorerMs = median(scorerTimes);
  const plainMs = median(plainTimes);
  await scorer.release();
  await plain.release();
  const flops = 2 * batch * factors * items; // the same useful work for both
  const scorerGflops = flops / (scorerMs / 1000) / 1e9;
  const plainGflops = flops / (plainMs / 1000) / 1e9;
  return {
    batch,
    scorerMs: round(scorerMs),
    scorerGflops: round(scorerGflops),
    plainMatMulMs: round(plainMs),
    plainMatMulGflops: round(plainGflops),
    ratio: round(scorerGflops / plainGflops),
  };
}

async function timeOnce(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The server runs in its own process, so the load generator does not share its event loop. */
function startServerProcess(repository: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const main = path.join(__dirname, '..', 'inference', 'main.js');
  const child = fork(main, [], {
    env: {
      ...process.env,
      MODEL_REPOSITORY: repository,
      INFERENCE_PORT: '0',
      HOST: '127.0.0.1',
      INFERENCE_POLL_INTERVAL_MS: '0',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`inference server exited with ${code}`)));
    child.once('message', (message: { url: string }) => {
      resolve({
        url: message.url,
        stop: () =>
          new Promise<void>((done) => {
            child.removeAllListeners('exit');
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

const round = (value: number) => Math.round(value * 100) / 100;

if (require.main === module) {
  runInferenceBench()
    .then((result) => process.stdout.write(`${formatBench(result)}\n`))
    .catch((error) => {
      process.stderr.write(`inference bench failed: ${(error as Error).stack ?? error}\n`);
      process.exit(1);
    });
}
