/** `npm run -s token -- --user <id> [--role admin] [--expires 12h]`: prints a dev token and nothing else. */
import { parseArgs } from 'node:util';
import { signToken } from '../gateway/plugins/http/auth/token';
import { loadConfig } from '../platform/config';
import type { Role } from '../platform/viewer';

async function main() {
  const { values } = parseArgs({
    options: {
      user: { type: 'string' },
      role: { type: 'string', multiple: true },
      expires: { type: 'string', default: '12h' },
    },
  });
  if (!values.user) {
    console.error('usage: npm run -s token -- --user <id> [--role admin] [--expires 12h]');
    process.exit(2);
  }
  const extra = (values.role ?? []).map((role) => role.trim());
  const unknown = extra.filter((role) => role !== 'admin' && role !== 'customer');
  if (unknown.length > 0) {
    console.error(`unknown role(s): ${unknown.join(', ')} (known: admin, customer)`);
    process.exit(2);
  }
  const roles = [...new Set<Role>(['customer', ...(extra as Role[])])];
  process.stdout.write(`${await signToken(loadConfig().jwtSecret, { userId: values.user, roles, expiresIn: values.expires })}\n`);
}

void main();
