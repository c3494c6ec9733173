-- Personal data exports (docs/privacy.md): one row per request, produced asynchronously by the
-- users subgraph's export worker, downloadable once until it expires. See prisma/schema.prisma.

-- CreateEnum
CREATE TYPE "users"."DataExportStatus" AS ENUM ('PENDING', 'RUNNING', 'READY', 'DOWNLOADED', 'EXPIRED', 'FAILED');

-- CreateTable
CREATE TABLE "users"."DataExport" (
    "id" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "requestedBy" TEXT NOT NULL,
    "status" "users"."DataExportStatus" NOT NULL DEFAULT 'PENDING',
    "partsDone" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "parts" JSONB NOT NULL DEFAULT '{}',
    "archive" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastError" TEXT,
    "requestedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "readyAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3),
    "downloadedAt" TIMESTAMP(3),
    "failedAt" TIMESTAMP(3),

    CONSTRAINT "DataExport_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "DataExport_subjectId_requestedAt_idx" ON "users"."DataExport"("subjectId", "requestedAt");

-- CreateIndex
CREATE INDEX "DataExport_status_nextAttemptAt_idx" ON "users"."DataExport"("status", "nextAttemptAt");
