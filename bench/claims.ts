/**
 * `npm run bench -- claims`: what one forwarded-claims token costs the gateway to sign and a
 * subgraph to verify (platform/forwarded-claims.ts), against the scheme it replaced — kept below
 * as the baseline: JSON.stringify of the claims, createHash for the body, randomUUID, HMAC, and
 * jose's jwtVerify on the subgraph. Both sides in this process, in interleaved blocks (A B, B A,
 * …), for a small query body and an entity batch's; verification includes the subgraph's nonce
 * registry (in process, no Redis), each side its own.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { jwtVerify } from 'jose';
import {
  CLAIMS_HEADER,
  claimsHeaders,
  createClaimsVerifier,
  type ClaimsVerifier,
  type SignClaimsOptions,
} from '../platform/forwarded-claims';
import { unauthenticated } from '../platform/errors';
import { rootLogger } from '../platform/logger';
import { fromRoot } from '../platform/paths';
import type { Viewer } from '../platform/viewer';
import { createNonceRegistry, type NonceRegistry } from '../subgraphs/kit/nonce-registry';
import { median, medianInterval, round } from './stats';

const SECRET = 'bench-internal-secret';
/** The bench verifies far more than 2,500 tokens a second, so the registries are full and say so; that is expected here. */
const log = rootLogger.child({ service: 'bench-claims' }, { level: 'error' });
const VIEWER: Viewer = { userId: 'user-0001', roles: ['customer'] };
/** Blocks long enough (about 0.1 s) that each meets several young-generation collections of its own garbage. */
const BLOCK = { sign: 20_000, verify: 5_000 };
const PAIRS = 15;

/** Bodies as the gateway sends them: a root query (about 200 B) and an `_entities` batch (about 5 KB). */
function entityBody(count: number): string {
  const representations = Array.from({ length: count }, (_, i) => ({ __typename: 'Product', id: `prod-${String(i).padStart(5, '0')}` }));
  return JSON.stringify({
    query: 'query($representations:[_Any!]!){_entities(representations:$representations){...on Product{id name price{amount currency}}}}',
    variables: { representations },
  });
}
const BODIES = {
  '200 B': JSON.stringify({
    query:
      'query($first:Int!){products(first:$first){edges{cursor node{id name category price{amount currency}stock}}pageInfo{hasNextPage endCursor}}}',
    variables: { first: 20 },
  }),
  '5 KB': entityBody(112),
};
type BodyName = keyof typeof BODIES;

// ---- The baseline: the scheme before issue 26, as it was. ----
const LEGACY_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'viewer-claims+jwt' })).toString('base64url');
const legacyKey = crypto.createSecretKey(Buffer.from(SECRET, 'utf8'));
const legacyBodyHash = (body: string) => crypto.createHash('sha256').update(body).digest('base64url');

function legacySign(viewer: Viewer, options: SignClaimsOptions): string {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    roles: [...viewer.roles].sort(),
    ch: options.channel,
    bh: legacyBodyHash((options.body as string | undefined) ?? ''),
    iss: options.issuer,
    aud: options.audience,
    iat: now,
    exp: now + 30,
    jti: crypto.randomUUID(),
  };
  if (viewer.userId) claims.sub = viewer.userId;
  const signingInput = `${LEGACY_HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${signingInput}.${crypto.createHmac('sha256', legacyKey).update(signingInput).digest('base64url')}`;
}

async function legacyClaimsHeaders(viewer: Viewer, options: Omit<SignClaimsOptions, 'channel'>): Promise<Record<string, string>> {
  return { [CLAIMS_HEADER]: legacySign(viewer, { ...options, channel: 'http' }) };
}

function legacyVerifier(audience: string, nonces: NonceRegistry): ClaimsVerifier {
  return {
    async verify(token, request) {
      const { payload } = await jwtVerify(token!, legacyKey, {
        algorithms: ['HS256'],
        typ: 'viewer-claims+jwt',
        audience,
        issuer: ['gateway', 'platform-service'],
        clockTolerance: 5,
        maxTokenAge: 35,
        requiredClaims: ['iat', 'exp', 'jti'],
      });
      if (payload.exp! - payload.iat! > 30) throw unauthenticated('lifetime');
      if (payload.ch !== request.channel) throw unauthenticated('channel');
      const expected = Buffer.from(legacyBodyHash((request.body as string | undefined) ?? ''));
      const given = Buffer.from(typeof payload.bh === 'string' ? payload.bh : '');
      if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) throw unauthenticated('body');
      if (!(await nonces.firstUse(payload.jti!, 40_000))) throw unauthenticated('replay');
      return { userId: payload.sub, roles: payload.roles as Viewer['roles'] };
    },
  };
}
// ---- end of the baseline ----

type Side = 'before' | 'after';
interface Implementation {
  sign(body: string): Promise<string>;
  verifier: ClaimsVerifier;
}

export interface ClaimsBenchResult {
  /** Median µs per operation over the interleaved blocks, per body and side. */
  micros: Record<BodyName, Record<'sign' | 'verify', Record<Side, number>>>;
  /** after ÷ before: the median of the per-pair ratios, and its distribution-free 95% interval. */
  ratios: Record<BodyName, Record<'sign' | 'verify', { median: number; interval: [number, number] }>>;
  bodyBytes: Record<BodyName, number>;
  blocks: { pairs: number; operationsPerBlock: { sign: number; verify: number } };
  machine: { cpus: number; node: string; loadAverageAtStart: number[]; loadAverage: number[] };
}

/** CPU µs per operation (user + system): on a shared machine, time spent descheduled is not the code's. */
async function timeBlock(operations: number, operation: () => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < operations; i++) await operation();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / operations;
}

/** Verification spends each token once: a block's tokens are signed before it, outside its time. */
async function timeVerify(implementation: Implementation, body: string): Promise<number> {
  const tokens = await Promise.all(Array.from({ length: BLOCK.verify }, () => implementation.sign(body)));
  let next = 0;
  return timeBlock(BLOCK.verify, () => implementation.verifier.verify(tokens[next++], { channel: 'http', body }));
}

export async function runClaimsBench(): Promise<ClaimsBenchResult> {
  const loadAverageAtStart = os.loadavg().map((load) => round(load, 2));
  const registries: NonceRegistry[] = [];
  const registry = () => {
    const nonces = createNonceRegistry({ namespace: 'bench-claims', service: 'products', log });
    registries.push(nonces);
    return nonces;
  };
  // What the gateway's claim-signing step calls for each fetch; the options as a literal, as it writes them.
  const headersFor = (signer: typeof claimsHeaders) => async (body: string) =>
    (await signer(VIEWER, { secret: SECRET, issuer: 'gateway', audience: 'products', body }))[CLAIMS_HEADER];
  const sides: Record<Side, Implementation> = {
    before: { sign: headersFor(legacyClaimsHeaders), verifier: legacyVerifier('products', registry()) },
    after: {
      sign: headersFor(claimsHeaders),
      verifier: createClaimsVerifier({ secret: SECRET, audience: 'products', nonces: registry() }),
    },
  };
  try {
    // Same format both ways: each verifier accepts the other's tokens, and the viewer comes back.
    for (const [signer, verifier] of [
      ['before', 'after'],
      ['after', 'before'],
    ] as const) {
      const body = BODIES['200 B'];
      const viewer = await sides[verifier].verifier.verify(await sides[signer].sign(body), { channel: 'http', body });
      if (viewer.userId !== VIEWER.userId || viewer.roles.join() !== VIEWER.roles.join())
        throw new Error(`${signer} → ${verifier}: wrong viewer`);
    }
    const samples = new Map<string, number[]>();
    const record = (name: string, micros: number) => samples.set(name, [...(samples.get(name) ?? []), micros]);
    // All signing first, then all verifying: a verifying block leaves garbage (jose's the most) that
    // would otherwise be collected during whichever signing block came next.
    for (const step of ['sign', 'verify'] as const) {
      for (let pair = -1; pair < PAIRS; pair++) {
        const order: Side[] = pair % 2 === 0 ? ['before', 'after'] : ['after', 'before'];
        for (const [bodyName, body] of Object.entries(BODIES)) {
          for (const side of order) {
            const micros =
              step === 'sign' ? await timeBlock(BLOCK.sign, () => sides[side].sign(body)) : await timeVerify(sides[side], body);
            // The first pair warms both sides up and is not counted.
            if (pair >= 0) record(`${bodyName}|${step}|${side}`, micros);
          }
        }
      }
    }
    const at = (bodyName: BodyName, step: 'sign' | 'verify', side: Side) =>
      round(median([...samples.get(`${bodyName}|${step}|${side}`)!].sort((a, b) => a - b)), 2);
    // Each pair's two blocks ran back to back, so their ratio is the least moved by the machine's load.
    const ratio = (bodyName: BodyName, step: 'sign' | 'verify') => {
      const before = samples.get(`${bodyName}|${step}|before`)!;
      const pairs = samples
        .get(`${bodyName}|${step}|after`)!
        .map((after, i) => after / before[i])
        .sort((a, b) => a - b);
      const [low, high] = medianInterval(pairs);
      return { median: round(median(pairs), 2), interval: [round(low, 2), round(high, 2)] as [number, number] };
    };
    const names = Object.keys(BODIES) as BodyName[];
    const micros = Object.fromEntries(
      names.map((name) => [
        name,
        {
          sign: { before: at(name, 'sign', 'before'), after: at(name, 'sign', 'after') },
          verify: { before: at(name, 'verify', 'before'), after: at(name, 'verify', 'after') },
        },
      ]),
    ) as ClaimsBenchResult['micros'];
    const result: ClaimsBenchResult = {
      micros,
      ratios: Object.fromEntries(
        names.map((name) => [name, { sign: ratio(name, 'sign'), verify: ratio(name, 'verify') }]),
      ) as ClaimsBenchResult['ratios'],
      bodyBytes: Object.fromEntries(names.map((name) => [name, Buffer.byteLength(BODIES[name])])) as Record<BodyName, number>,
      blocks: { pairs: PAIRS, operationsPerBlock: BLOCK },
      machine: {
        cpus: os.cpus().length,
        node: process.version,
        loadAverageAtStart,
        loadAverage: os.loadavg().map((load) => round(load, 2)),
      },
    };
    const out = fromRoot('bench', 'results', 'claims.json');
    fs.mkdirSync(fromRoot('bench', 'results'), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    await Promise.all(registries.map((nonces) => nonces.close()));
  }
}

export function formatClaims(result: ClaimsBenchResult): string {
  const lines = [
    `forwarded claims, CPU µs per token (median of ${result.blocks.pairs} interleaved pairs of blocks, ${result.blocks.operationsPerBlock.sign} signatures or ${result.blocks.operationsPerBlock.verify} verifications each); before = createHash + randomUUID + JSON.stringify + HMAC, jose jwtVerify`,
  ];
  for (const [name, figures] of Object.entries(result.micros) as [BodyName, ClaimsBenchResult['micros'][BodyName]][]) {
    for (const step of ['sign', 'verify'] as const) {
      lines.push(
        `  ${step.padEnd(6)} ${name.padEnd(5)} (${result.bodyBytes[name]} B body): before ${figures[step].before} µs, after ${figures[step].after} µs, ratio ${result.ratios[name][step].median} (${result.ratios[name][step].interval.join('–')})`,
      );
    }
  }
  lines.push(
    `  load average ${result.machine.loadAverageAtStart.join(' ')} at start, ${result.machine.loadAverage.join(' ')} at the end; ${result.machine.cpus} CPUs, node ${result.machine.node}`,
  );
  return lines.join('\n');
}
