-- Erasure ("forget me", docs/privacy.md#erasure). The users subgraph records each request, the
-- parts the other subgraphs report done (the proof, with counts) and the ids of erased subjects
-- (id and time only: what the gateway and the recommender need to refuse them); it publishes
-- user.erased through a new outbox and consumes the parts' reports, so it gets a ProcessedEvent
-- table, as payments does (it consumes user.erased). The recommendations subgraph remembers
-- erased ids so that no late event, list or training run brings one back.

-- CreateTable
CREATE TABLE "users"."Erasure" (
    "id" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "requestedBy" TEXT NOT NULL,
    "requestedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "Erasure_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Erasure_subjectId_key" ON "users"."Erasure"("subjectId");

-- CreateTable
CREATE TABLE "users"."ErasurePart" (
    "erasureId" TEXT NOT NULL,
    "subgraph" TEXT NOT NULL,
    "completedAt" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0,
    "pseudonymised" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "ErasurePart_pkey" PRIMARY KEY ("erasureId","subgraph")
);

-- AddForeignKey
ALTER TABLE "users"."ErasurePart" ADD CONSTRAINT "ErasurePart_erasureId_fkey" FOREIGN KEY ("erasureId") REFERENCES "users"."Erasure"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "users"."ErasedSubject" (
    "userId" TEXT NOT NULL,
    "erasedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ErasedSubject_pkey" PRIMARY KEY ("userId")
);

-- CreateIndex
CREATE INDEX "ErasedSubject_erasedAt_idx" ON "users"."ErasedSubject"("erasedAt");

-- CreateTable
CREATE TABLE "users"."OutboxEvent" (
    "id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "event" JSONB NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "availableAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "sentAt" TIMESTAMP(3),
    "lastError" TEXT,

    CONSTRAINT "OutboxEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "OutboxEvent_sentAt_seq_idx" ON "users"."OutboxEvent"("sentAt", "seq");

-- CreateTable
CREATE TABLE "users"."ProcessedEvent" (
    "consumer" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "processedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProcessedEvent_pkey" PRIMARY KEY ("consumer","eventId")
);

-- CreateIndex
CREATE INDEX "ProcessedEvent_processedAt_idx" ON "users"."ProcessedEvent"("processedAt");

-- CreateTable
CREATE TABLE "payments"."ProcessedEvent" (
    "consumer" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "processedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProcessedEvent_pkey" PRIMARY KEY ("consumer","eventId")
);

-- CreateIndex
CREATE INDEX "ProcessedEvent_processedAt_idx" ON "payments"."ProcessedEvent"("processedAt");

-- CreateTable
CREATE TABLE "recommendations"."ErasedUser" (
    "userId" TEXT NOT NULL,
    "erasedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ErasedUser_pkey" PRIMARY KEY ("userId")
);
