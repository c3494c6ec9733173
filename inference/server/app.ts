/**
 * The Open Inference Protocol (KServe v2) REST surface. Because the paths and bodies are the
 * protocol's, a deployment can point INFERENCE_URL at NVIDIA Triton instead without touching callers.
 *
 *   GET  /v2                                   server metadata
 *   GET  /v2/health/live | /v2/health/ready    (and /healthz, as every service of the platform)
 *   GET  /v2/models/{m}[/versions/{v}]         model metadata (+ execution provider)
 *   GET  /v2/models/{m}[/versions/{v}]/ready
 *   GET  /v2/models/{m}[/versions/{v}]/config  the model's config as Triton's ModelConfig, id maps included
 *   GET  /v2/models/{m}/versions/{v}/ids       extension: the id maps of that version
 *   POST /v2/models/{m}[/versions/{v}]/infer   JSON, or JSON + binary tensors (binary-tensors.ts)
 *   GET  /metrics                              Prometheus text
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { registry } from '../../platform/metrics';
import { InferenceError, RetiredError, badRequest } from '../errors';
import { OIP_TYPE, servedConfig } from '../repository/model-config';
import { readIdMaps, type IdMaps } from '../repository/model-repository';
import type { LoadedVersion, ModelStore } from '../repository/model-store';
import { inferenceMetrics } from '../metrics';
import type { OipInferRequest, OipInferResponse } from '../../platform/oip';
import { HEADER_LENGTH, decodeInferBody, encodeElements, wantsBinary } from './binary-tensors';
import { routingKeyOf, validateInferRequest } from './validate-request';

export const SERVER_NAME = 'federation-platform-inference';
export const SERVER_VERSION = '1.0.0';

type Params = { model: string; version?: string };

export function createInferenceApp(store: ModelStore): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Infer bodies are read raw: JSON whatever the Content-Type (Python clients send none), and the
  // binary tensor extension appends raw bytes after the JSON header.
  const rawBody = express.raw({ type: () => true, limit: '64mb' });

  app.get('/v2', (_req, res) => {
    res.json({
      name: SERVER_NAME,
      version: SERVER_VERSION,
      extensions: ['model_configuration', 'binary_tensor_data', 'model_repository_id_maps'],
    });
  });
  app.get('/v2/health/live', (_req, res) => {
    res.json({ live: true });
  });
  // The liveness path every other service of the platform answers, for probes and operators alike.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: 'inference' });
  });
  app.get('/v2/health/ready', (_req, res) => {
    res.status(store.ready() ? 200 : 503).json({ ready: store.ready() });
  });

  app.get('/v2/models/:model{/versions/:version}', (req: Request<Params>, res) => {
    const target = store.resolve(req.params.model, req.params.version, undefined);
    res.json(modelMetadata(store, target, req.params.version !== undefined));
  });
  app.get('/v2/models/:model{/versions/:version}/ready', (req: Request<Params>, res) => {
    store.resolve(req.params.model, req.params.version, undefined);
    res.json({ name: req.params.model, ready: true });
  });
  // Triton answers both forms with the model's config; so do we.
  app.get('/v2/models/:model{/versions/:version}/config', async (req: Request<Params>, res) => {
    const target = store.resolve(req.params.model, req.params.version, undefined);
    const ids: Record<string, IdMaps> = {};
    for (const version of store.loadedVersions(target.model)) ids[version] = await readIdMaps(store.repository, target.model, version);
    res.json(servedConfig(target.config, ids));
  });
  app.get('/v2/models/:model/versions/:version/ids', async (req: Request<Params>, res) => {
    const target = store.resolve(req.params.model, req.params.version, undefined);
    res.json(await readIdMaps(store.repository, target.model, target.version));
  });

  app.post('/v2/models/:model{/versions/:version}/infer', rawBody, async (req: Request<Params>, res) => {
    const started = performance.now();
    const { model, version } = req.params;
    const request = decodeInferBody(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), req.get(HEADER_LENGTH));
    const routingKey = routingKeyOf(request);
    let target = store.resolve(model, version, routingKey);
    inferenceMetrics.requests.inc({ model, version: String(target.version) });
    try {
      let validated = validateInferRequest(request, target.config, target.metadata);
      let outputs;
      for (let attempt = 0; ; attempt++) {
        try {
          const pending = target.batcher.submit(validated.inputs, validated.rows);
          inferenceMetrics.queueDepth.set({ model, version: String(target.version) }, target.batcher.queueLength);
          outputs = await pending;
          break;
        } catch (error) {
          // Only possible if a swap retired the version between resolve and submit: go to the new one.
          if (!(error instanceof RetiredError) || attempt >= 2) throw error;
          target = store.resolve(model, version, routingKey);
          validated = validateInferRequest(request, target.config, target.metadata);
        }
      }
      const binary: Buffer[] = [];
      const body: OipInferResponse = {
        model_name: model,
        model_version: String(target.version),
        ...(validated.id !== undefined ? { id: validated.id } : {}),
        parameters: { execution_provider: target.provider },
        outputs: validated.outputs.map((name) => {
          const spec = target.config.output.find((o) => o.name === name)!;
          const tensor = outputs[name];
          const datatype = OIP_TYPE[spec.data_type];
          const values = tensor.data as ArrayLike<number | bigint>;
          if (wantsBinary(request as OipInferRequest, name)) {
            const bytes = encodeElements(datatype, values);
            binary.push(bytes);
            return { name, datatype, shape: tensor.dims, parameters: { binary_data_size: bytes.length } };
          }
          return { name, datatype, shape: tensor.dims, data: Array.from(values, Number) };
        }),
      };
      inferenceMetrics.latency.observe({ model, version: String(target.version) }, (performance.now() - started) / 1000);
      if (binary.length === 0) {
        res.json(body);
        return;
      }
      const header = Buffer.from(JSON.stringify(body));
      res
        .set(HEADER_LENGTH, String(header.length))
        .type('application/octet-stream')
        .send(Buffer.concat([header, ...binary]));
    } catch (error) {
      const status = error instanceof InferenceError ? error.status : 500;
      inferenceMetrics.errors.inc({ model, version: String(target.version), status: String(status) });
      throw error;
    }
  });

  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });

  app.use((req, _res, next) => next(badRequest(`no route ${req.method} ${req.path}`)));
  app.use(errorHandler);
  return app;
}

function modelMetadata(store: ModelStore, target: LoadedVersion, pinned: boolean) {
  const tensors = (list: typeof target.config.input) =>
    list.map((t) => ({ name: t.name, datatype: OIP_TYPE[t.data_type], shape: [-1, ...t.dims] }));
  return {
    name: target.model,
    versions: pinned ? [String(target.version)] : store.loadedVersions(target.model).map(String),
    platform: target.config.platform,
    inputs: tensors(target.config.input),
    outputs: tensors(target.config.output),
    parameters: {
      execution_provider: target.provider,
      max_batch_size: target.config.max_batch_size,
      dynamic_batching: target.config.dynamic_batching !== undefined,
      // Parameter values are strings, numbers or booleans (OIP): the version's facts as JSON text.
      metadata: JSON.stringify(target.metadata),
    },
  };
}

/** OIP errors are `{"error": "..."}`; we add the platform error code for GraphQL-friendly mapping. */
function errorHandler(error: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (error instanceof InferenceError) {
    res.status(error.status).json({ error: error.message, code: error.code });
    return;
  }
  const parseError = error as { type?: string; status?: number; message?: string };
  if (parseError.type === 'entity.parse.failed' || parseError.type === 'entity.too.large') {
    res.status(parseError.status ?? 400).json({ error: `request body: ${parseError.message}`, code: 'BAD_USER_INPUT' });
    return;
  }
  res.status(500).json({ error: `internal error: ${(error as Error)?.message ?? String(error)}`, code: 'INTERNAL_SERVER_ERROR' });
}
