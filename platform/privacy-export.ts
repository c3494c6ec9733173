/**
 * The data export archive (GDPR art. 15, CCPA right to know), defined once: each subgraph builds
 * its part by these types, the users subgraph's export worker checks every part it receives
 * against them before it keeps it, and docs/privacy-export.schema.json is generated from the same
 * definition (scripts/privacy-export-schema.ts, checked by its test), so the published schema cannot drift from what is
 * produced. Times are ISO 8601 strings in UTC; amounts are minor units (cents) as stored.
 */
import { z } from 'zod';

/** Raised when a change breaks readers of older archives (a field removed or retyped); adding a field does not. */
export const EXPORT_FORMAT_VERSION = 1;

/** The subgraphs that hold a part, in the order the archive lists them. */
export const EXPORT_PARTS = ['users', 'orders', 'payments', 'recommendations', 'products'] as const;
export type ExportPartName = (typeof EXPORT_PARTS)[number];

const timestamp = z.iso.datetime({ offset: true });
const optionalTimestamp = timestamp.nullable();

const partnerSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    createdAt: timestamp,
    requestsPerMinute: z.int(),
    costBudget: z.int(),
    keys: z
      .array(
        z.object({
          id: z.string(),
          prefix: z.string().meta({
            description: "The key's public first characters; the key itself is never stored, only a hash, which is not exported.",
          }),
          createdAt: timestamp,
          expiresAt: optionalTimestamp,
          revokedAt: optionalTimestamp,
        }),
      )
      .meta({ description: "The partner's API keys, without their hashes." }),
    webhookUrl: z.string().nullable().meta({ description: "The partner's webhook endpoint, if any; its signing secret is not exported." }),
  })
  .meta({ description: 'A partner of the partner API that acts as this user (its service account).' });

export const usersPartSchema = z
  .object({
    subgraph: z.literal('users'),
    profile: z.object({
      id: z.string(),
      name: z.string(),
      email: z.string(),
      segment: z.string().meta({ description: 'Customer segment (NEW, REGULAR, VIP) that recommendations use.' }),
      createdAt: timestamp,
    }),
    partners: z.array(partnerSchema).meta({ description: 'Partners whose service account this user is; empty for a customer.' }),
  })
  .meta({ description: 'The account as the users subgraph holds it.' });

export const ordersPartSchema = z
  .object({
    subgraph: z.literal('orders'),
    orders: z.array(
      z.object({
        id: z.string(),
        status: z.string(),
        totalAmount: z.int(),
        currency: z.string(),
        idempotencyKey: z.string().meta({ description: 'The key the client sent with placeOrder.' }),
        createdAt: timestamp,
        reservedUntil: optionalTimestamp,
        items: z.array(
          z.object({ id: z.string(), productId: z.string(), quantity: z.int(), unitPriceAmount: z.int(), currency: z.string() }),
        ),
      }),
    ),
  })
  .meta({ description: "The user's orders with their items, oldest first." });

export const paymentsPartSchema = z
  .object({
    subgraph: z.literal('payments'),
    cardDataStored: z
      .literal(false)
      .meta({ description: 'No card number, expiry or security code is ever stored: only the method name and the outcome.' }),
    notice: z.string(),
    payments: z.array(
      z.object({
        id: z.string(),
        orderId: z.string(),
        amount: z.int(),
        currency: z.string(),
        status: z.string(),
        method: z.string(),
        failureReason: z.string().nullable(),
        createdAt: timestamp,
        updatedAt: timestamp,
      }),
    ),
  })
  .meta({ description: "The user's payments, oldest first." });

export const recommendationsPartSchema = z
  .object({
    subgraph: z.literal('recommendations'),
    interactions: z
      .array(z.object({ id: z.string(), productId: z.string(), kind: z.string(), createdAt: timestamp }))
      .meta({ description: 'Products viewed or added to a cart, oldest first.' }),
    hiddenProducts: z
      .array(z.object({ productId: z.string(), createdAt: timestamp }))
      .meta({ description: 'Products the user asked never to be recommended again.' }),
    purchases: z
      .array(z.object({ orderId: z.string(), productId: z.string(), quantity: z.int(), purchasedAt: timestamp }))
      .meta({ description: "The recommender's own copy of the user's purchases (fed by order events)." }),
    impressions: z.array(z.object({ productId: z.string(), variant: z.string(), shownAt: timestamp })).meta({
      description:
        'Products recommended to the user within the attribution window, with the A/B variant that showed them: the attribution record a later view or purchase is counted against (counts are kept only as totals per variant, without user ids).',
    }),
    modelVersions: z
      .array(z.object({ model: z.string(), version: z.string() }))
      .meta({ description: "Published model versions whose id map contains the user's id: versions trained on the user's data." }),
  })
  .meta({ description: 'What the recommender holds about the user.' });

export const productsPartSchema = z
  .object({
    subgraph: z.literal('products'),
    holdsPersonalData: z.literal(false),
    notice: z.string(),
  })
  .meta({ description: 'The catalogue holds nothing about a user; the part says so rather than being left out.' });

export const PART_SCHEMAS = {
  users: usersPartSchema,
  orders: ordersPartSchema,
  payments: paymentsPartSchema,
  recommendations: recommendationsPartSchema,
  products: productsPartSchema,
} as const;

export type UsersPart = z.infer<typeof usersPartSchema>;
export type OrdersPart = z.infer<typeof ordersPartSchema>;
export type PaymentsPart = z.infer<typeof paymentsPartSchema>;
export type RecommendationsPart = z.infer<typeof recommendationsPartSchema>;
export type ProductsPart = z.infer<typeof productsPartSchema>;
export type ExportPart = UsersPart | OrdersPart | PaymentsPart | RecommendationsPart | ProductsPart;

export const exportArchiveSchema = z
  .object({
    formatVersion: z.literal(EXPORT_FORMAT_VERSION),
    exportId: z.string(),
    subjectId: z.string().meta({ description: 'Id of the user the archive is about.' }),
    generatedAt: timestamp,
    parts: z.object(PART_SCHEMAS).meta({ description: 'One part per subgraph, each naming its subgraph.' }),
  })
  .meta({
    title: 'Personal data export',
    description: 'Everything the platform holds about one user, as produced by requestDataExport and returned once by downloadDataExport.',
  });

export type ExportArchive = z.infer<typeof exportArchiveSchema>;

/** Where the JSON Schema is published, relative to the repository root. */
export const EXPORT_SCHEMA_FILE = 'docs/privacy-export.schema.json';

/** The JSON Schema (draft 2020-12) published as EXPORT_SCHEMA_FILE, as the file's text. */
export const exportArchiveJsonSchema = (): string =>
  `${JSON.stringify({ $id: 'privacy-export.schema.json', ...z.toJSONSchema(exportArchiveSchema, { target: 'draft-2020-12' }) }, null, 2)}\n`;

/** Parses a subgraph's part: a part that does not match the published format is refused, never passed on. */
export function parsePart<N extends ExportPartName>(name: N, value: unknown): z.infer<(typeof PART_SCHEMAS)[N]> {
  return PART_SCHEMAS[name].parse(value) as z.infer<(typeof PART_SCHEMAS)[N]>;
}

export const CARD_DATA_NOTICE =
  'The platform stores no card data: no card number, expiry date or security code. A payment records only its method name, amount, status and failure reason.';
export const PRODUCTS_NOTICE = 'The products subgraph (catalogue and stock) holds no data about users.';
