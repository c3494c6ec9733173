/** Runs the partner CLI (scripts/partner.ts) in-process against a test platform, as an admin. */
import { runPartnerCli } from '../../scripts/partner';
import { createAdminRequest } from '../../scripts/partner/admin-client';
import type { TestPlatform } from './platform';

export interface CliRun {
  code: number;
  lines: string[];
  errors: string[];
}

export async function partnerCli(test: TestPlatform, argv: string[]): Promise<CliRun> {
  const lines: string[] = [];
  const errors: string[] = [];
  const token = await test.token('partner-cli-admin', ['admin']);
  const code = await runPartnerCli(
    argv,
    { admin: createAdminRequest(test.url, token), gatewayUrl: test.url.replace(/\/graphql$/, ''), print: (line) => lines.push(line) },
    (line) => errors.push(line),
  );
  return { code, lines, errors };
}

/** Creates a partner with the CLI; resolves with the key it printed last and the key's id. */
export async function createPartnerKey(test: TestPlatform, name: string, options: string[] = []): Promise<{ key: string; keyId: string }> {
  const run = await partnerCli(test, ['create', '--name', name, ...options]);
  if (run.code !== 0) throw new Error(`partner create failed: ${run.errors.join('\n')}`);
  const key = run.lines[run.lines.length - 1];
  const keyId = /^key (\S+) /.exec(run.lines[run.lines.length - 2])![1];
  return { key, keyId };
}
