/**
 * How the size of one operation moves its latency and who serves it, on the shipped inference
 * deadline: `users(first: N) { … recommendations(first: 10) … }` through the gateway for N = 1,
 * 10, 50, 200, the candidate cache off (every list is computed: a cold cache), on two platforms
 * alike but for the pipeline (RECOMMENDATIONS_TWO_STAGE_PERCENT=100 and 0), both up for the whole
 * run. Operations go one at a time, as one dashboard sends them: this is latency, not throughput.
 * Sizes are interleaved round-robin and each size's visits alternate which pipeline goes first, so
 * the machine's drift falls on every size and both pipelines alike. 127.0.0.1 only, bounded.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signToken } from '../gateway/plugins/http/auth/token';
import { loadConfig } from '../platform/config';
import type { SeedOptions } from '../prisma/seed';
import type { RunningPlatform } from '../scripts/platform';
import {
  DEFAULT_PLAN,
  listSource,
  PIPELINE_PERCENT,
  sizeFigures,
  interleave,
  type OperationResult,
  type OperationSizesResult,
  type Pipeline,
  type ServedItem,
  type SizePlan,
} from './operation-sizes-figures';
import { JWT_SECRET, startBenchPlatform } from './recommendations-platform';
import { round } from './stats';

export const SIZE_QUERY = `query ($first: Int!, $after: String) { users(first: $first, after: $after) { edges { node { id recommendations(first: 10) { degraded modelVersion variant product { name } } } } pageInfo { endCursor hasNextPage } } }`;

/** More users than the other scenarios' 300, so even 200-user pages differ from one operation to the next. */
export const SIZE_SEED: Readonly<SeedOptions> = { seed: 17, users: 1000, products: 1000, orders: 6000 };

const PIPELINES = Object.keys(PIPELINE_PERCENT) as Pipeline[];

export interface OperationSizesOptions {
  plan?: readonly SizePlan[];
  seed?: Readonly<SeedOptions>;
}

interface Page {
  data?: {
    users: {
      edges: { node: { id: string; recommendations: ServedItem[] } }[];
      pageInfo: { endCursor: string | null; hasNextPage: boolean };
    };
  };
  errors?: unknown[];
}

export async function runOperationSizesBench(options: OperationSizesOptions = {}): Promise<OperationSizesResult> {
  const plan = [...(options.plan ?? DEFAULT_PLAN)];
  const seed = { ...(options.seed ?? SIZE_SEED) };
  const inferenceDeadlineMs = loadConfig().inferenceDeadlineMs;
  const started = performance.now();
  // Its own repository: a model trained on another catalogue would not know most of these users.
  const repository = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-sizes-models-'));
  const platforms: Partial<Record<Pipeline, RunningPlatform>> = {};
  let result: Omit<OperationSizesResult, 'totalSeconds'>;
  try {
    // One after the other: the first trains the model the second then finds in the repository.
    for (const pipeline of PIPELINES) {
      platforms[pipeline] = await startBenchPlatform(
        repository,
        { twoStagePercent: PIPELINE_PERCENT[pipeline] },
        { deadlineMs: inferenceDeadlineMs, seed },
      );
    }
    const token = await signToken(JWT_SECRET, { userId: 'bench-admin', roles: ['admin'] });
    /** Where each pipeline's pages of each size go on from: its users in turn, then from the start again. */
    const cursors = new Map<string, string | null>();
    const operate = async (pipeline: Pipeline, usersPerOperation: number): Promise<OperationResult> => {
      const key = `${pipeline}:${usersPerOperation}`;
      const begun = performance.now();
      const response = await fetch(platforms[pipeline]!.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: SIZE_QUERY, variables: { first: usersPerOperation, after: cursors.get(key) ?? null } }),
      });
      const page = (await response.json()) as Page;
      const ms = performance.now() - begun;
      if (!response.ok || page.errors || !page.data) return { ms, error: true, lists: [] };
      const { edges, pageInfo } = page.data.users;
      cursors.set(key, pageInfo.hasNextPage ? pageInfo.endCursor : null);
      return { ms, error: false, lists: edges.map((edge) => listSource(edge.node.recommendations)) };
    };
    // Not measured: a process's first operation of a shape compiles and plans what later ones reuse.
    for (const pipeline of PIPELINES) for (const size of plan) await operate(pipeline, size.usersPerOperation);
    cursors.clear();

    const results = new Map<string, OperationResult[]>();
    const loadBefore = os.loadavg()[0];
    const measuring = performance.now();
    for (const step of interleave(plan, PIPELINES)) {
      const key = `${step.pipeline}:${step.usersPerOperation}`;
      const list = results.get(key) ?? [];
      list.push(await operate(step.pipeline, step.usersPerOperation));
      results.set(key, list);
    }
    const measuredSeconds = round((performance.now() - measuring) / 1000, 1);
    const figures = (pipeline: Pipeline) => ({
      twoStagePercent: PIPELINE_PERCENT[pipeline],
      sizes: plan.map((size) => sizeFigures(size.usersPerOperation, results.get(`${pipeline}:${size.usersPerOperation}`) ?? [])),
    });
    result = {
      query: SIZE_QUERY,
      inferenceDeadlineMs,
      shippedDeadlineMs: loadConfig({}).inferenceDeadlineMs,
      seed,
      plan,
      measuredSeconds,
      measuredAt: new Date().toISOString(),
      loadAverage: [round(loadBefore), round(os.loadavg()[0])],
      cpus: os.cpus().length,
      pipelines: { twoStage: figures('twoStage'), oneStage: figures('oneStage') },
    };
  } finally {
    for (const pipeline of [...PIPELINES].reverse()) await platforms[pipeline]?.close();
    fs.rmSync(repository, { recursive: true, force: true });
  }
  return { ...result, totalSeconds: round((performance.now() - started) / 1000, 1) };
}
