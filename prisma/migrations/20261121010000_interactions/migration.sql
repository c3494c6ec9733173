-- CreateEnum
CREATE TYPE "recommendations"."InteractionKind" AS ENUM ('VIEW', 'ADD_TO_CART');

-- CreateTable
CREATE TABLE "recommendations"."Interaction" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "kind" "recommendations"."InteractionKind" NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Interaction_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Interaction_userId_createdAt_idx" ON "recommendations"."Interaction"("userId", "createdAt");

-- CreateTable
CREATE TABLE "recommendations"."BlockedProduct" (
    "userId" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BlockedProduct_pkey" PRIMARY KEY ("userId","productId")
);
