/**
 * Every declared option, feature by feature: what the loader reads, the docs table and the
 * JSON schema list. The declarations live in options/, one file per feature.
 */
import type { Feature } from './option';
import { auditOptions } from './options/audit';
import { backendOptions } from './options/backends';
import { dataExportOptions } from './options/data-export';
import {
  entityCacheOptions,
  gatewayOptions,
  partnerKeyOptions,
  queryLimitOptions,
  rateLimitOptions,
  websocketOptions,
} from './options/gateway';
import { erasureOptions } from './options/erasure';
import { inferenceOptions } from './options/inference';
import { orderOptions } from './options/orders';
import { processOptions } from './options/process';
import { recommendationOptions } from './options/recommendations';
import { secretOptions } from './options/secrets';
import { serviceOptions } from './options/services';
import { telemetryOptions } from './options/telemetry';
import { toolOptions } from './options/tools';
import { webhookOptions } from './options/webhooks';

export const FEATURES: readonly Feature[] = [
  processOptions,
  backendOptions,
  secretOptions,
  serviceOptions,
  gatewayOptions,
  queryLimitOptions,
  rateLimitOptions,
  websocketOptions,
  entityCacheOptions,
  partnerKeyOptions,
  erasureOptions,
  webhookOptions,
  auditOptions,
  recommendationOptions,
  inferenceOptions,
  orderOptions,
  dataExportOptions,
  telemetryOptions,
  toolOptions,
];
