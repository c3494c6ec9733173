-- Erasures not yet completed, oldest first: what the users subgraph reads every few seconds into
-- erasure_parts_pending and erasure_parts_oldest_pending_seconds (docs/operations.md#erasurestuck).
-- Partial, so the reading touches only the few pending erasures however many were completed; not
-- expressible in schema.prisma, and Prisma leaves partial indexes alone.

-- CreateIndex
CREATE INDEX "Erasure_pending_requestedAt_idx" ON "users"."Erasure"("requestedAt") WHERE "completedAt" IS NULL;
