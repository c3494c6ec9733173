// Prisma CLI configuration. The runtime never reads it: services build their client with a
// driver adapter (see prisma/client.ts). Migrations are applied by prisma/migrate.ts.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
});
