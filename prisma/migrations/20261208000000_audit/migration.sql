-- The tamper-evident audit log of privileged actions (docs/privacy.md#audit-log). See prisma/schema.prisma.

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "audit";

-- CreateTable
CREATE TABLE "audit"."AuditRecord" (
    "seq" BIGINT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "actorId" TEXT,
    "actorRoles" TEXT[],
    "action" TEXT NOT NULL,
    "detail" TEXT,
    "subjectId" TEXT,
    "origin" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "AuditRecord_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "audit"."AuditKeyUse" (
    "keyId" TEXT NOT NULL,
    "day" TEXT NOT NULL,

    CONSTRAINT "AuditKeyUse_pkey" PRIMARY KEY ("keyId","day")
);

-- CreateIndex
CREATE INDEX "AuditRecord_action_seq_idx" ON "audit"."AuditRecord"("action", "seq");

-- CreateIndex
CREATE INDEX "AuditRecord_actorId_seq_idx" ON "audit"."AuditRecord"("actorId", "seq");

-- CreateIndex
CREATE INDEX "AuditRecord_subjectId_seq_idx" ON "audit"."AuditRecord"("subjectId", "seq");

-- CreateIndex
CREATE INDEX "AuditRecord_at_idx" ON "audit"."AuditRecord"("at");

-- CreateIndex
CREATE INDEX "AuditKeyUse_day_idx" ON "audit"."AuditKeyUse"("day");
