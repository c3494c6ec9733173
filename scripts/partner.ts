/**
 * `npm run -s partner -- <command> …`: manages the partner API's partners, keys and webhooks
 * through the running platform (scripts/partner/admin-client.ts says why not the database).
 *
 * The platform is found at GATEWAY_URL (default http://127.0.0.1:GATEWAY_PORT); the CLI signs an
 * admin token with JWT_SECRET, or sends ADMIN_TOKEN when set (deployments that verify tokens
 * with JWKS_URL only).
 */
import { signToken } from '../gateway/plugins/http/auth/token';
import { loadConfig, openConfigReading } from '../platform/config';
import { toolOptions } from '../platform/config/options/tools';
import { readFeature } from '../platform/config/read';
import { createAdminRequest } from './partner/admin-client';
import type { CommandContext, PartnerCommand } from './partner/command';
import { keyCommands } from './partner/keys';
import { webhookCommands } from './partner/webhooks';

export const PARTNER_COMMANDS: Record<string, PartnerCommand> = { ...keyCommands, ...webhookCommands };

export function usage(): string {
  return ['usage: npm run -s partner -- <command>', ...Object.values(PARTNER_COMMANDS).map((command) => `  ${command.usage}`)].join('\n');
}

/** Runs one command; resolves with the process exit code (2: bad usage, 1: the command failed). */
export async function runPartnerCli(argv: string[], context: CommandContext, printError: (line: string) => void): Promise<number> {
  const [name, ...args] = argv;
  const command = name === undefined ? undefined : PARTNER_COMMANDS[name];
  if (!command) {
    printError(name === undefined ? usage() : `unknown command "${name}"\n${usage()}`);
    return 2;
  }
  try {
    await command.run(args, context);
    return 0;
  } catch (error) {
    printError(`partner ${name}: ${(error as Error).message}`);
    return 1;
  }
}

/** The gateway's metrics listener, on the gateway's host, when it has one. */
function metricsUrlOf(gatewayUrl: string, metricsPort: number | undefined): string | undefined {
  if (metricsPort === undefined) return undefined;
  const url = new URL(gatewayUrl);
  url.port = String(metricsPort);
  url.pathname = '/metrics';
  return url.toString();
}

async function main() {
  const config = loadConfig();
  const tools = readFeature(openConfigReading(), toolOptions).values;
  const gatewayUrl = (tools.GATEWAY_URL ?? `http://127.0.0.1:${config.ports.gateway}`).replace(/\/+$/, '');
  const token =
    tools.ADMIN_TOKEN ??
    (config.jwtSecret ? await signToken(config.jwtSecret, { userId: 'partner-cli', roles: ['admin'], expiresIn: '5m' }) : undefined);
  if (!token) {
    console.error('partner: set JWT_SECRET or ADMIN_TOKEN (an admin token for the platform)');
    process.exit(2);
  }
  const context: CommandContext = {
    admin: createAdminRequest(`${gatewayUrl}/graphql`, token),
    gatewayUrl,
    metricsUrl: metricsUrlOf(gatewayUrl, config.gatewayMetricsPort),
    print: (line) => process.stdout.write(`${line}\n`),
  };
  process.exitCode = await runPartnerCli(process.argv.slice(2), context, (line) => console.error(line));
}

if (require.main === module) void main();
