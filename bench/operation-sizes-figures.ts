/**
 * The operation-size scenario's plan and figures (bench/operation-sizes.ts runs it): the order the
 * operations go in, who served each list, each size's percentiles and shares, and the printed table.
 * Pure, so it is tested without a platform.
 */
import type { SeedOptions } from '../prisma/seed';
import { round, summarize } from './stats';

export interface SizePlan {
  usersPerOperation: number;
  operations: number;
}

/**
 * A nearest-rank p99 is the maximum below 100 operations: 200 make it the third worst (the second
 * worst for 100 at 200 users, each of which takes up to the deadline). About two minutes on the
 * 2-core reference machine, both pipelines.
 */
export const DEFAULT_PLAN: readonly SizePlan[] = [
  { usersPerOperation: 1, operations: 200 },
  { usersPerOperation: 10, operations: 200 },
  { usersPerOperation: 50, operations: 200 },
  { usersPerOperation: 200, operations: 100 },
];

export const QUICK_PLAN: readonly SizePlan[] = DEFAULT_PLAN.map((plan) => ({ ...plan, operations: 3 }));

export type Pipeline = 'twoStage' | 'oneStage';
export const PIPELINE_PERCENT: Readonly<Record<Pipeline, number>> = { twoStage: 100, oneStage: 0 };

export interface Step<P extends string> {
  usersPerOperation: number;
  pipeline: P;
}

/**
 * The order the operations go in: rounds over the sizes (1, 10, 50, 200, 1, 10, …), a size with
 * fewer operations than the others skipping rounds spread evenly over the run rather than the last
 * ones, and each visit of a size running every pipeline once, the first pipeline rotating from one
 * visit to the next.
 */
export function interleave<P extends string>(plan: readonly SizePlan[], pipelines: readonly P[]): Step<P>[] {
  const rounds = Math.max(0, ...plan.map((size) => size.operations));
  const visits = plan.map(() => 0);
  const steps: Step<P>[] = [];
  for (let r = 0; r < rounds; r++) {
    plan.forEach((size, index) => {
      // Bresenham: this size's k-th operation falls in the round where k/operations of the run has passed.
      if (Math.floor(((r + 1) * size.operations) / rounds) === Math.floor((r * size.operations) / rounds)) return;
      const first = visits[index]++ % pipelines.length;
      for (const pipeline of [...pipelines.slice(first), ...pipelines.slice(0, first)]) {
        steps.push({ usersPerOperation: size.usersPerOperation, pipeline });
      }
    });
  }
  return steps;
}

export interface ServedItem {
  degraded: boolean;
  modelVersion: string | null;
  variant: string | null;
}

export type ListSource = 'TWO_STAGE' | 'ONE_STAGE' | 'popularity';

/**
 * Who served one user's list, as the subgraph's recommendations_lists_total counts it: popularity
 * when no item came from a model (its items are then degraded), else the pipeline the list names.
 * degraded: any item marked so, popularity's or a model list's that answered without the products
 * service.
 */
export function listSource(items: readonly ServedItem[]): { source: ListSource; degraded: boolean } {
  const fromModel = items.find((item) => item.modelVersion !== null);
  const source: ListSource = !fromModel ? 'popularity' : fromModel.variant === 'TWO_STAGE' ? 'TWO_STAGE' : 'ONE_STAGE';
  return { source, degraded: items.some((item) => item.degraded) };
}

export interface SizeFigures {
  usersPerOperation: number;
  operations: number;
  /** Operations answered with GraphQL errors or a non-2xx status; their lists are not counted. */
  errors: number;
  /** Client-measured wall time of the whole operation, request sent to answer parsed. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  lists: number;
  /** Shares of the lists (0–1). */
  degraded: number;
  servedBy: Record<ListSource, number>;
}

export interface OperationResult {
  ms: number;
  error: boolean;
  lists: { source: ListSource; degraded: boolean }[];
}

export function sizeFigures(usersPerOperation: number, results: readonly OperationResult[]): SizeFigures {
  const summary = summarize(results.map((result) => result.ms));
  const lists = results.flatMap((result) => result.lists);
  const share = (count: number) => (lists.length === 0 ? 0 : round(count / lists.length, 3));
  const of = (source: ListSource) => share(lists.filter((list) => list.source === source).length);
  return {
    usersPerOperation,
    operations: summary.count,
    errors: results.filter((result) => result.error).length,
    p50Ms: summary.p50,
    p99Ms: summary.p99,
    maxMs: summary.max,
    lists: lists.length,
    degraded: share(lists.filter((list) => list.degraded).length),
    servedBy: { TWO_STAGE: of('TWO_STAGE'), ONE_STAGE: of('ONE_STAGE'), popularity: of('popularity') },
  };
}

export interface OperationSizesResult {
  query: string;
  /** The deadline both platforms ran on: loadConfig()'s, so INFERENCE_DEADLINE_MS if set. */
  inferenceDeadlineMs: number;
  shippedDeadlineMs: number;
  seed: SeedOptions;
  plan: SizePlan[];
  /** Seconds of measured operations, and of the whole scenario (start-up, training, warm-up, close). */
  measuredSeconds: number;
  totalSeconds: number;
  measuredAt: string;
  /** The machine's 1-minute load average as the measured operations began and ended: others' work shows here. */
  loadAverage: [number, number];
  cpus: number;
  pipelines: Record<Pipeline, { twoStagePercent: number; sizes: SizeFigures[] }>;
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

export function formatOperationSizes(r: OperationSizesResult): string {
  const deadline =
    r.inferenceDeadlineMs === r.shippedDeadlineMs
      ? `${r.inferenceDeadlineMs} ms (the shipped default)`
      : `${r.inferenceDeadlineMs} ms (INFERENCE_DEADLINE_MS; the shipped default is ${r.shippedDeadlineMs} ms)`;
  const columns = (cells: string[]) =>
    cells.map((cell, index) => (index === 0 ? cell.padEnd(18) : cell.padStart(index === 1 ? 8 : 10))).join(' ');
  const row = (label: string, f: SizeFigures) =>
    columns([
      label,
      String(f.usersPerOperation),
      String(f.operations),
      String(f.p50Ms),
      String(f.p99Ms),
      String(f.maxMs),
      percent(f.degraded),
      percent(f.servedBy.TWO_STAGE),
      percent(f.servedBy.ONE_STAGE),
      percent(f.servedBy.popularity),
      String(f.errors),
    ]);
  return [
    `Operation size through the gateway: users(first: N) { … recommendations(first: 10) … }, candidate cache off, inference deadline ${deadline}`,
    `${r.seed.users} users seeded; one operation at a time, sizes interleaved round-robin, pipelines alternating, one warm-up per size not counted; ` +
      `measured ${r.measuredSeconds} s of ${r.totalSeconds} s in all; load average ${r.loadAverage[0]} → ${r.loadAverage[1]} (${r.cpus} CPUs)`,
    columns([
      'TWO_STAGE_PERCENT',
      'users/op',
      'operations',
      'p50 ms',
      'p99 ms',
      'max ms',
      'degraded',
      'two-stage',
      'one-stage',
      'popularity',
      'errors',
    ]),
    ...(['twoStage', 'oneStage'] as const).flatMap((pipeline) =>
      r.pipelines[pipeline].sizes.map((f) => row(String(r.pipelines[pipeline].twoStagePercent), f)),
    ),
    'degraded: lists with any item degraded; two-stage / one-stage / popularity: who served the lists (shares of users)',
  ].join('\n');
}
