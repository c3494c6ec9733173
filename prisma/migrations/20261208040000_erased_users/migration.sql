-- The ids the orders and payments subgraphs' erasure consumers have done their part for: a write
-- under an erased id that was already past the gateway finds it and is refused
-- (subgraphs/kit/erased-users.ts). Recommendations has had its own since 20261208020000_erasure.

-- CreateTable
CREATE TABLE "orders"."ErasedUser" (
    "userId" TEXT NOT NULL,
    "erasedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ErasedUser_pkey" PRIMARY KEY ("userId")
);

-- CreateTable
CREATE TABLE "payments"."ErasedUser" (
    "userId" TEXT NOT NULL,
    "erasedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ErasedUser_pkey" PRIMARY KEY ("userId")
);
