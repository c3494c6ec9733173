#!/usr/bin/env node
// Generates the Prisma client when schema.prisma changed since the last generation, and stays
// quiet unless it fails (so `npm run -s token` prints only the token). Plain JS: it runs before tsc.
// Prisma 7's `generate` needs no schema engine, only a path to an existing file, so nothing is fetched
// from outside the npm registry (docs/operations.md, "Install scripts").
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const schema = path.join(root, 'prisma', 'schema.prisma');
const stamp = path.join(root, 'prisma', 'generated', '.schema-hash');
const prismaPackage = require(path.join(root, 'node_modules', 'prisma', 'package.json'));
const hash = crypto.createHash('sha256').update(fs.readFileSync(schema)).update(prismaPackage.version).digest('hex');

if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) process.exit(0);

const result = spawnSync(process.execPath, [path.join(root, 'node_modules', 'prisma', 'build', 'index.js'), 'generate'], {
  cwd: root,
  encoding: 'utf8',
  env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, CHECKPOINT_DISABLE: '1', PRISMA_HIDE_UPDATE_MESSAGE: '1' },
});
if (result.status !== 0) {
  process.stderr.write(result.stdout + result.stderr);
  process.exit(result.status ?? 1);
}
fs.writeFileSync(stamp, hash);
