-- Reservations with a time limit: an unpaid order holds its stock until "reservedUntil", then it
-- is EXPIRED and its stock goes back (products."StockReservation"."releasedAt" makes the release
-- happen once). Partners confirm their orders on account (CONFIRMED). In-flight placeOrder calls
-- claim units against the buyer's cap (orders."PlacementClaim"). See prisma/schema.prisma.

-- AlterEnum (the new values are not used in this migration: PostgreSQL allows that inside its transaction)
ALTER TYPE "orders"."OrderStatus" ADD VALUE 'EXPIRED';
ALTER TYPE "orders"."OrderStatus" ADD VALUE 'CONFIRMED';

-- AlterTable
ALTER TABLE "orders"."Order" ADD COLUMN "reservedUntil" TIMESTAMP(3);

-- Unpaid orders placed before the limit existed hold stock for ever: give them the default limit from now.
UPDATE "orders"."Order" SET "reservedUntil" = (CURRENT_TIMESTAMP AT TIME ZONE 'UTC') + interval '900 seconds'
 WHERE "status" = 'PENDING_PAYMENT';

-- CreateIndex
CREATE INDEX "Order_status_reservedUntil_idx" ON "orders"."Order"("status", "reservedUntil");

-- CreateTable
CREATE TABLE "orders"."PlacementClaim" (
    "userId" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "units" INTEGER NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PlacementClaim_pkey" PRIMARY KEY ("userId","idempotencyKey")
);

-- CreateIndex
CREATE INDEX "PlacementClaim_expiresAt_idx" ON "orders"."PlacementClaim"("expiresAt");

-- AlterTable
ALTER TABLE "products"."StockReservation" ADD COLUMN "releasedAt" TIMESTAMP(3);
