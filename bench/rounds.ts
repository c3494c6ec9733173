/**
 * Interleaved load rounds: every side of a comparison is loaded in turn, round after round, with
 * the side that goes first rotating, so that drift in a shared machine's load falls on every side
 * alike. Each round reads counters (a process's CPU time, a subgraph's fetch count) before and
 * after the load, and keeps the differences.
 */
import autocannon from 'autocannon';
import { median, round } from './stats';

export interface RoundResult {
  requests: number;
  seconds: number;
  p99Ms: number;
  errors: number;
  /** Each counter's growth over the round (CPU microseconds, fetches, …). */
  deltas: Record<string, number>;
}

/** The order of `sides` for round pair `pair`: rotated by one place each pair. */
export function rotated<Side>(sides: readonly Side[], pair: number): Side[] {
  return sides.map((_, i) => sides[(i + pair) % sides.length]);
}

/** `pairs` rounds of every side, in rotating order; `measure` runs one. */
export async function rotatingRounds<Side extends string, Result>(
  sides: readonly Side[],
  pairs: number,
  measure: (side: Side) => Promise<Result>,
): Promise<Record<Side, Result[]>> {
  const rounds = Object.fromEntries(sides.map((side) => [side, [] as Result[]])) as Record<Side, Result[]>;
  for (let pair = 0; pair < pairs; pair++) {
    for (const side of rotated(sides, pair)) rounds[side].push(await measure(side));
  }
  return rounds;
}

/**
 * Where in a round the counters are read: `skipMs` after its start and `beforeEndMs` before its
 * end, against the responses counted in between. Under a closed-loop load every connection has a
 * request in flight at both readings, so the work between them is the work of the responses
 * between them; read at the round's edges instead, the requests cut off at its end (a whole
 * connection's worth where requests are slow) count as work without counting as requests.
 */
export interface SteadyWindow {
  skipMs: number;
  beforeEndMs: number;
}

/**
 * One autocannon round, with `read`'s counters read before and after it (or, with `window`, inside
 * it: then `requests` and `seconds` are the window's; latency and errors stay the whole round's).
 */
export async function loadRound(
  options: autocannon.Options & { duration: number },
  read: () => Promise<Record<string, number>>,
  window?: SteadyWindow,
): Promise<RoundResult> {
  if (!window) {
    const before = await read();
    const result = await autocannon(options);
    const after = await read();
    return roundResult(result, result.requests.total, result.duration, before, after);
  }
  let responses = 0;
  const snapshot = async () => {
    const [at, counted] = [performance.now(), responses];
    const counters = await read();
    // Responses go on arriving while the readings travel: take the middle.
    return { at: (at + performance.now()) / 2, responses: (counted + responses) / 2, counters };
  };
  const after = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error: unknown, result: autocannon.Result) => (error ? reject(error as Error) : resolve(result)));
    instance.on('response', () => responses++);
  });
  const first = after(window.skipMs).then(snapshot);
  const last = after(options.duration * 1000 - window.beforeEndMs).then(snapshot);
  const [result, start, end] = await Promise.all([done, first, last]);
  return roundResult(result, Math.round(end.responses - start.responses), (end.at - start.at) / 1000, start.counters, end.counters);
}

function roundResult(
  result: autocannon.Result,
  requests: number,
  seconds: number,
  before: Record<string, number>,
  after: Record<string, number>,
): RoundResult {
  return {
    requests,
    seconds,
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
    deltas: Object.fromEntries(Object.entries(after).map(([name, value]) => [name, value - (before[name] ?? 0)])),
  };
}

/** Resolves once `count` has stopped growing for two looks `everyMs` apart (or after `maxMs`): the work a round left behind is done. */
export async function settled(count: () => Promise<number>, everyMs = 100, maxMs = 15_000): Promise<void> {
  const until = Date.now() + maxMs;
  let last = await count();
  let still = 0;
  while (still < 2 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    const now = await count();
    still = now === last ? still + 1 : 0;
    last = now;
  }
}

export interface LoadFigures {
  rps: number;
  /** The median of the rounds' p99 latencies. */
  p99Ms: number;
  requests: number;
  errors: number;
}

export function loadFigures(rounds: RoundResult[]): LoadFigures {
  const requests = rounds.reduce((sum, r) => sum + r.requests, 0);
  const seconds = rounds.reduce((sum, r) => sum + r.seconds, 0);
  return {
    rps: round(requests / seconds, 1),
    p99Ms: median([...rounds.map((r) => r.p99Ms)].sort((a, b) => a - b)),
    requests,
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
  };
}

/** A counter's growth per request over all `rounds`, divided by `scale` (1000: CPU µs → ms). */
export function perRequest(rounds: RoundResult[], counter: string, scale = 1, digits = 3): number {
  const requests = rounds.reduce((sum, r) => sum + r.requests, 0);
  return round(rounds.reduce((sum, r) => sum + (r.deltas[counter] ?? 0), 0) / scale / requests, digits);
}

/** A counter's per-request ratio of `subject` to `baseline`, round pair by round pair. */
export function pairRatios(subject: RoundResult[], baseline: RoundResult[], counter: string): number[] {
  const each = (r: RoundResult) => (r.deltas[counter] ?? 0) / r.requests;
  return subject.map((mine, i) => round(each(mine) / each(baseline[i]), 3));
}
