-- A webhook delivery remembers the W3C trace context of the work that caused its event (the
-- mutation), so each attempt's span links back to it, however much later it runs (docs/tracing.md).
-- Null when that work was not traced.

-- AlterTable
ALTER TABLE "users"."WebhookDelivery" ADD COLUMN "traceparent" TEXT;
