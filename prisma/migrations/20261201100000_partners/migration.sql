-- Partners of the partner API and their hashed API keys. See prisma/schema.prisma.

-- CreateTable
CREATE TABLE "users"."Partner" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "requestsPerMinute" INTEGER NOT NULL,
    "costBudget" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Partner_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users"."PartnerKey" (
    "id" TEXT NOT NULL,
    "partnerId" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "PartnerKey_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Partner_name_key" ON "users"."Partner"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Partner_userId_key" ON "users"."Partner"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "PartnerKey_prefix_key" ON "users"."PartnerKey"("prefix");

-- CreateIndex
CREATE INDEX "PartnerKey_partnerId_idx" ON "users"."PartnerKey"("partnerId");

-- AddForeignKey
ALTER TABLE "users"."PartnerKey" ADD CONSTRAINT "PartnerKey_partnerId_fkey" FOREIGN KEY ("partnerId") REFERENCES "users"."Partner"("id") ON DELETE CASCADE ON UPDATE CASCADE;
