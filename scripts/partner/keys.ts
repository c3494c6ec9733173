/** Partner and API key commands: create, list, revoke, rotate, usage. */
import { parseArgs } from 'node:util';
import { durationOption, integerOption } from '../../platform/cli';
import type { CommandContext, PartnerCommand } from './command';

interface KeyRecord {
  id: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  status: string;
}

interface PartnerRecord {
  id: string;
  name: string;
  userId: string;
  requestsPerMinute: number;
  costBudget: number;
  createdAt: string;
  keys: KeyRecord[];
}

interface Issued {
  partner: PartnerRecord;
  key: KeyRecord;
  apiKey: string;
}

const KEY = 'id prefix createdAt expiresAt revokedAt status';
const PARTNER = `id name userId requestsPerMinute costBudget createdAt keys { ${KEY} }`;
const ISSUED = `partner { ${PARTNER} } key { ${KEY} } apiKey`;
const METRICS_TIMEOUT_MS = 10_000;

/** Columns padded to their widest cell. */
export function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd(),
  );
}

function onePositional(args: string[], what: string, options: Record<string, { type: 'string' }> = {}) {
  const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
  if (positionals.length !== 1) throw new Error(`give exactly one ${what}`);
  return { id: positionals[0], values: values as Record<string, string | undefined> };
}

/** The key goes last, alone on its line, so scripts can take it with `tail -n 1`. */
function printIssued(context: CommandContext, issued: Issued): void {
  context.print(`key ${issued.key.id} (prefix ${issued.key.prefix}) for partner ${issued.partner.name}; it is shown only now, store it:`);
  context.print(issued.apiKey);
}

const create: PartnerCommand = {
  usage: 'create --name NAME [--requests-per-minute N] [--cost-budget N] — new partner and its first key (printed last)',
  async run(args, context) {
    const { values } = parseArgs({
      args,
      options: { name: { type: 'string' }, 'requests-per-minute': { type: 'string' }, 'cost-budget': { type: 'string' } },
      strict: true,
      allowPositionals: false,
    });
    if (!values.name) throw new Error('--name is required');
    const input = {
      name: values.name,
      requestsPerMinute: integerOption(values['requests-per-minute'], 'requests-per-minute', 1) ?? null,
      costBudget: integerOption(values['cost-budget'], 'cost-budget', 1) ?? null,
    };
    const { createPartner } = await context.admin<{ createPartner: Issued }>(
      `mutation CreatePartner($input: CreatePartnerInput!) { createPartner(input: $input) { ${ISSUED} } }`,
      { input },
    );
    const { partner } = createPartner;
    context.print(
      `partner ${partner.name} (${partner.id}) acts as user ${partner.userId}: ${partner.requestsPerMinute} requests/min, cost budget ${partner.costBudget}`,
    );
    printIssued(context, createPartner);
  },
};

const list: PartnerCommand = {
  usage: 'list — partners and their keys (never the keys themselves)',
  async run(args, context) {
    parseArgs({ args, options: {}, strict: true, allowPositionals: false });
    const { partners } = await context.admin<{ partners: PartnerRecord[] }>(`query Partners { partners { ${PARTNER} } }`);
    if (partners.length === 0) {
      context.print('no partners yet: npm run -s partner -- create --name NAME');
      return;
    }
    const rows = [['PARTNER', 'PARTNER ID', 'REQ/MIN', 'COST BUDGET', 'KEY ID', 'PREFIX', 'STATUS', 'CREATED', 'EXPIRES', 'REVOKED']];
    for (const partner of partners) {
      const head = [partner.name, partner.id, String(partner.requestsPerMinute), String(partner.costBudget)];
      if (partner.keys.length === 0) rows.push([...head, '-', '-', '-', '-', '-', '-']);
      for (const key of partner.keys) {
        rows.push([...head, key.id, key.prefix, key.status, key.createdAt, key.expiresAt ?? '-', key.revokedAt ?? '-']);
      }
    }
    for (const line of table(rows)) context.print(line);
  },
};

const revoke: PartnerCommand = {
  usage: 'revoke KEY_ID — refuse a key (gateways follow within their key cache TTL)',
  async run(args, context) {
    const { id } = onePositional(args, 'KEY_ID');
    const { revokePartnerKey } = await context.admin<{ revokePartnerKey: KeyRecord }>(
      `mutation Revoke($keyId: ID!) { revokePartnerKey(keyId: $keyId) { ${KEY} } }`,
      { keyId: id },
    );
    context.print(`key ${revokePartnerKey.id} (prefix ${revokePartnerKey.prefix}) revoked at ${revokePartnerKey.revokedAt}`);
  },
};

const rotate: PartnerCommand = {
  usage: 'rotate KEY_ID [--grace 24h] — new key (printed last); the old one works for the grace period',
  async run(args, context) {
    const { id, values } = onePositional(args, 'KEY_ID', { grace: { type: 'string' } });
    const graceMs = durationOption(values.grace, 'grace');
    const { rotatePartnerKey } = await context.admin<{ rotatePartnerKey: Issued }>(
      `mutation Rotate($keyId: ID!, $graceSeconds: Int) { rotatePartnerKey(keyId: $keyId, graceSeconds: $graceSeconds) { ${ISSUED} } }`,
      { keyId: id, graceSeconds: graceMs === undefined ? null : Math.ceil(graceMs / 1000) },
    );
    const old = rotatePartnerKey.partner.keys.find((key) => key.id === id);
    context.print(`key ${id} stays valid until ${old?.expiresAt ?? '(unknown)'}`);
    printIssued(context, rotatePartnerKey);
  },
};

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of `names` in Prometheus' text format. */
export function parseMetrics(text: string, names: string[]): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\}\s+(\S+)$/.exec(line);
    if (!match || !names.includes(match[1])) continue;
    const labels: Record<string, string> = {};
    for (const label of match[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[label[1]] = label[2].replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char));
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

const OUTCOMES = ['ok', 'error', 'rate_limited', 'cost_exceeded', 'unauthenticated', 'unavailable'] as const;

const usage: PartnerCommand = {
  usage: "usage — requests and cost per partner and operation (this gateway's counters)",
  async run(args, context) {
    parseArgs({ args, options: {}, strict: true, allowPositionals: false });
    const url = context.metricsUrl ?? `${context.gatewayUrl}/metrics`;
    let text: string;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(METRICS_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      text = await response.text();
    } catch (error) {
      throw new Error(`cannot read ${url}: ${(error as Error).message}`, { cause: error });
    }
    const rows = new Map<string, { partner: string; operation: string; counts: Record<string, number>; cost: number }>();
    const row = (partner: string, operation: string) => {
      const id = JSON.stringify([partner, operation]);
      let found = rows.get(id);
      if (!found) rows.set(id, (found = { partner, operation, counts: {}, cost: 0 }));
      return found;
    };
    for (const sample of parseMetrics(text, ['partner_requests_total', 'partner_query_cost_total'])) {
      const { partner = '?', operation = '?', outcome = '?' } = sample.labels;
      if (sample.name === 'partner_requests_total') {
        const counts = row(partner, operation).counts;
        counts[outcome] = (counts[outcome] ?? 0) + sample.value;
      } else row(partner, operation).cost += sample.value;
    }
    context.print(`partner API usage at ${context.gatewayUrl} since that gateway process started (one replica; Prometheus sums replicas)`);
    if (rows.size === 0) {
      context.print('no partner requests yet');
      return;
    }
    const sorted = [...rows.values()].sort((a, b) => a.partner.localeCompare(b.partner) || a.operation.localeCompare(b.operation));
    const lines = table([
      ['PARTNER', 'OPERATION', 'REQUESTS', ...OUTCOMES.map((outcome) => outcome.toUpperCase()), 'COST'],
      ...sorted.map(({ partner, operation, counts, cost }) => [
        partner,
        operation,
        String(Object.values(counts).reduce((sum, count) => sum + count, 0)),
        ...OUTCOMES.map((outcome) => String(counts[outcome] ?? 0)),
        String(cost),
      ]),
    ]);
    for (const line of lines) context.print(line);
  },
};

export const keyCommands: Record<string, PartnerCommand> = { create, list, revoke, rotate, usage };
