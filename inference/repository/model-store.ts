/**
 * The models this server is serving, kept in step with the repository on disk.
 *
 * A poller re-reads the repository (default every second): new versions are loaded (session +
 * batcher) and start taking requests; versions the policy no longer serves are retired — removed
 * from routing first, then their batcher drains what it already queued, then the session is
 * released. A request resolves its version and enqueues in the same tick, so during a swap every
 * request is answered exactly once, by the old or the new version.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from '../../platform/logger';
import { DynamicBatcher } from '../batching/dynamic-batcher';
import { badRequest } from '../errors';
import { WorkerSession } from '../runtime/worker-session';
import type { ExecutionProvider } from '../runtime/execution-providers';
import { inferenceMetrics } from '../metrics';
import type { ModelConfig } from './model-config';
import { listModels, listVersions, readModelConfig, readVersionMetadata, versionFile, type VersionMetadata } from './model-repository';
import { requestLimits, type RequestLimits } from './request-limits';
import { pickVersion } from './traffic-split';
import { servedVersions } from './version-policy';

export interface ServingDefaults {
  /** Queue bound when the config sets none. */
  maxQueueSize: number;
  /** Queue timeout when the config sets none (0 = none). */
  timeoutMs: number;
  /** Batching delay when dynamic_batching sets none. */
  maxQueueDelayMs: number;
}

export interface LoadedVersion {
  model: string;
  version: number;
  config: ModelConfig;
  metadata: VersionMetadata;
  /** The largest request this version takes (shapes, body bytes). */
  limits: RequestLimits;
  provider: ExecutionProvider;
  batcher: DynamicBatcher;
  session: WorkerSession;
}

interface LoadedModel {
  config: ModelConfig;
  configText: string;
  versions: Map<number, LoadedVersion>;
}

export interface ModelStoreOptions {
  providers: ExecutionProvider[];
  logger: Logger;
  pollIntervalMs: number;
  defaults: ServingDefaults;
  /** The server's tracer when tracing is on: batchers then trace queue waits and batches. */
  tracer?: Tracer;
}

export class ModelStore {
  private readonly models = new Map<string, LoadedModel>();
  private readonly failed = new Set<string>();
  private poller?: NodeJS.Timeout;
  private refreshing: Promise<void> = Promise.resolve();
  private scanned = false;

  constructor(
    readonly repository: string,
    private readonly options: ModelStoreOptions,
  ) {}

  async start(): Promise<void> {
    await this.refresh();
    if (this.options.pollIntervalMs > 0) {
      this.poller = setInterval(() => void this.refresh(), this.options.pollIntervalMs);
      this.poller.unref();
    }
  }

  /** Re-reads the repository now (the poller calls this; tests and the platform may too). Serialized. */
  refresh(): Promise<void> {
    this.refreshing = this.refreshing
      .then(() => this.sync())
      .catch((error) => {
        this.options.logger.error({ err: error }, 'model repository refresh failed');
      });
    return this.refreshing;
  }

  /** Ready once the repository was read and every model in it serves at least one version. */
  ready(): boolean {
    return this.scanned && this.models.size > 0 && [...this.models.values()].every((m) => m.versions.size > 0);
  }

  modelNames(): string[] {
    return [...this.models.keys()].sort();
  }

  loadedVersions(model: string): number[] {
    return [...(this.models.get(model)?.versions.keys() ?? [])].sort((a, b) => a - b);
  }

  /** The version that serves a request: the pinned one, or by version policy + traffic split. */
  resolve(model: string, version: string | undefined, routingKey: string | undefined): LoadedVersion {
    const loaded = this.models.get(model);
    if (!loaded) throw badRequest(`unknown model "${model}"; available: ${this.modelNames().join(', ') || 'none'}`);
    if (version !== undefined) {
      const found = /^\d+$/.test(version) ? loaded.versions.get(Number(version)) : undefined;
      if (!found)
        throw badRequest(
          `unknown version "${version}" of model "${model}"; loaded versions: ${this.loadedVersions(model).join(', ') || 'none'}`,
        );
      return found;
    }
    const versions = this.loadedVersions(model);
    if (versions.length === 0) throw badRequest(`model "${model}" has no loaded version`);
    return loaded.versions.get(pickVersion(versions, loaded.config.traffic_split, routingKey))!;
  }

  /**
   * The largest request body `model` (pinned to `version`, or any version it may route to) takes.
   * Throws the same 400 as resolve for an unknown model or version, before any body is read.
   */
  maxRequestBytes(model: string, version: string | undefined, transport: 'http' | 'grpc'): number {
    const candidates = version !== undefined ? [this.resolve(model, version, undefined)] : this.servingVersions(model);
    if (candidates.length === 0) this.resolve(model, version, undefined);
    return Math.max(...candidates.map((v) => (transport === 'http' ? v.limits.maxHttpBytes : v.limits.maxGrpcBytes)));
  }

  /** Every version now loaded, of every model. */
  allVersions(): LoadedVersion[] {
    return [...this.models.values()].flatMap((m) => [...m.versions.values()]);
  }

  private servingVersions(model: string): LoadedVersion[] {
    return [...(this.models.get(model)?.versions.values() ?? [])];
  }

  async close(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    await this.refreshing;
    const all = [...this.models.values()].flatMap((m) => [...m.versions.values()]);
    this.models.clear();
    await Promise.all(all.map((v) => this.retire(v)));
  }

  private async sync(): Promise<void> {
    const names = await listModels(this.repository);
    for (const gone of [...this.models.keys()].filter((n) => !names.includes(n))) {
      const model = this.models.get(gone)!;
      this.models.delete(gone);
      await Promise.all([...model.versions.values()].map((v) => this.retire(v)));
    }
    for (const name of names) await this.syncModel(name);
    this.scanned = true;
  }

  private async syncModel(name: string): Promise<void> {
    const configText = await fs.readFile(path.join(this.repository, name, 'config.json'), 'utf8');
    let current = this.models.get(name);
    if (current && current.configText !== configText) {
      // New settings (batching, policy, split): reload every version with them, then retire the old ones.
      const config = await readModelConfig(this.repository, name);
      const replacement: LoadedModel = { config, configText, versions: new Map() };
      for (const version of current.versions.keys()) {
        const loaded = await this.load(config, version);
        if (loaded) replacement.versions.set(version, loaded);
      }
      const old = current;
      this.models.set(name, replacement);
      current = replacement;
      await Promise.all([...old.versions.values()].map((v) => this.retire(v)));
    }
    if (!current) {
      current = { config: await readModelConfig(this.repository, name), configText, versions: new Map() };
      this.models.set(name, current);
    }
    const wanted = servedVersions(current.config.version_policy, await listVersions(this.repository, name));
    for (const version of wanted) {
      if (current.versions.has(version)) continue;
      const loaded = await this.load(current.config, version);
      if (loaded) {
        current.versions.set(version, loaded);
        this.options.logger.info({ model: name, version, provider: loaded.provider }, 'model version loaded');
      }
    }
    for (const [version, loaded] of [...current.versions]) {
      if (wanted.includes(version)) continue;
      // Only retire once something else can serve, so a model never goes dark mid-swap.
      if (current.versions.size <= 1) continue;
      current.versions.delete(version);
      await this.retire(loaded);
    }
  }

  private async load(config: ModelConfig, version: number): Promise<LoadedVersion | undefined> {
    const key = `${config.name}/${version}`;
    if (this.failed.has(key)) return undefined;
    try {
      const [onnx, metadata] = await Promise.all([
        fs.readFile(versionFile(this.repository, config.name, version, 'model.onnx')),
        readVersionMetadata(this.repository, config.name, version),
      ]);
      const options = batcherOptions(config, this.options.defaults);
      const session = await WorkerSession.load(onnx, this.options.providers, this.options.logger, options.instanceCount);
      const labels = { model: config.name, version: String(version) };
      const batcher = new DynamicBatcher(
        (batch) => session.run(batch),
        options,
        (stats) => {
          inferenceMetrics.batchSize.observe({ model: config.name }, stats.size);
          inferenceMetrics.compute.observe(labels, stats.computeMs / 1000);
          for (const delay of stats.queueDelaysMs) inferenceMetrics.queueDelay.observe(labels, delay / 1000);
        },
        this.options.tracer && {
          tracer: this.options.tracer,
          attributes: {
            'inference.model': config.name,
            'inference.model_version': String(version),
            'inference.provider': session.provider,
          },
        },
      );
      inferenceMetrics.executionProvider.set({ ...labels, provider: session.provider }, 1);
      const limits = requestLimits(config, metadata);
      return { model: config.name, version, config, metadata, limits, provider: session.provider, batcher, session };
    } catch (error) {
      this.failed.add(key);
      this.options.logger.error({ model: config.name, version, err: error }, 'model version failed to load; skipping it');
      return undefined;
    }
  }

  private async retire(loaded: LoadedVersion): Promise<void> {
    await loaded.batcher.close();
    await loaded.session.release();
    inferenceMetrics.executionProvider.remove({ model: loaded.model, version: String(loaded.version), provider: loaded.provider });
    this.options.logger.info({ model: loaded.model, version: loaded.version }, 'model version retired');
  }
}

function batcherOptions(config: ModelConfig, defaults: ServingDefaults) {
  const batching = config.dynamic_batching;
  const queue = batching?.default_queue_policy;
  const padValues: Record<string, number> = {};
  for (const input of config.input) if (input.pad_value !== undefined) padValues[input.name] = input.pad_value;
  return {
    enabled: batching !== undefined,
    maxBatchSize: config.max_batch_size,
    maxQueueDelayMs: (batching?.max_queue_delay_microseconds ?? defaults.maxQueueDelayMs * 1000) / 1000,
    preferredBatchSizes: batching?.preferred_batch_size ?? [],
    maxQueueSize: queue?.max_queue_size ?? defaults.maxQueueSize,
    timeoutMs: (queue?.default_timeout_microseconds ?? defaults.timeoutMs * 1000) / 1000,
    instanceCount: Math.max(1, config.instance_group?.[0]?.count ?? 1),
    padValues,
  };
}
