/**
 * `npm run -s audit -- list|verify`: reads the audit log (docs/privacy.md#audit-log) straight
 * from the database, the embedded PGlite under the data directory or DATABASE_URL's PostgreSQL:
 * verification must see the stored rows themselves, not what a running service says about them.
 * Embedded, PGlite is one process's: stop the platform first (`npm start` holds it).
 *
 *   list [--action A] [--actor ID] [--subject ID] [--since ISO] [--until ISO] [--first N]
 *        newest first, one JSON record a line
 *   verify
 *        walks the chain; exit 1 naming the first broken record, 0 with the head's seq and hash
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { dateOption, integerOption } from '../platform/cli';
import { loadConfig } from '../platform/config';
import { quietUnlessConfigured } from '../platform/logger';
import { openDatabase, type PrismaClient } from '../prisma/database';
import { migrate } from '../prisma/migrate';
import { listAudit, verifyChain, type AuditRow } from '../subgraphs/kit/audit';

export const AUDIT_USAGE = [
  'usage: npm run -s audit -- <command>',
  '  list [--action A] [--actor ID] [--subject ID] [--since ISO] [--until ISO] [--first N]',
  '  verify',
].join('\n');

export interface AuditCliContext {
  prisma: PrismaClient;
  print(line: string): void;
}

const asJson = (row: AuditRow): string => JSON.stringify({ ...row, seq: row.seq.toString(), at: row.at.toISOString() });

async function list(args: string[], { prisma, print }: AuditCliContext): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      action: { type: 'string' },
      actor: { type: 'string' },
      subject: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      first: { type: 'string' },
    },
  });
  const rows = await listAudit(
    prisma,
    {
      action: values.action,
      actorId: values.actor,
      subjectId: values.subject,
      since: dateOption(values.since, 'since'),
      until: dateOption(values.until, 'until'),
    },
    integerOption(values.first, 'first', 1) ?? 100,
  );
  rows.forEach((row) => print(asJson(row)));
  return 0;
}

async function verify(args: string[], { prisma, print }: AuditCliContext, printError: (line: string) => void): Promise<number> {
  parseArgs({ args, strict: true, options: {} });
  const report = await verifyChain(prisma);
  if (!report.ok) {
    printError(
      `audit verify: record ${report.broken!.seq} breaks the chain: ${report.broken!.reason} (${report.checked} records before it are intact)`,
    );
    return 1;
  }
  print(`audit chain intact: ${report.checked} records${report.head ? `, head ${report.head.seq} ${report.head.hash}` : ''}`);
  return 0;
}

/** Runs one command; resolves with the exit code (2: bad usage, 1: a broken chain or a failure). */
export async function runAuditCli(argv: string[], context: AuditCliContext, printError: (line: string) => void): Promise<number> {
  const [name, ...args] = argv;
  try {
    if (name === 'list') return await list(args, context);
    if (name === 'verify') return await verify(args, context, printError);
  } catch (error) {
    printError(`audit ${name}: ${(error as Error).message}`);
    return 1;
  }
  printError(name === undefined ? AUDIT_USAGE : `unknown command "${name}"\n${AUDIT_USAGE}`);
  return 2;
}

async function main(): Promise<void> {
  quietUnlessConfigured();
  const config = loadConfig();
  const db = await openDatabase({ url: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite') });
  try {
    await migrate(db);
    const prisma = db.createClient();
    process.exitCode = await runAuditCli(process.argv.slice(2), { prisma, print: (line) => process.stdout.write(`${line}\n`) }, (line) =>
      process.stderr.write(`${line}\n`),
    );
    await prisma.$disconnect();
  } finally {
    await db.close();
  }
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`audit failed: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
