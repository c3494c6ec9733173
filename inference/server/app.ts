/**
 * The Open Inference Protocol (KServe v2) REST surface. Because the paths and bodies are the
 * protocol's, a deployment can point INFERENCE_URL at NVIDIA Triton instead without touching callers.
 *
 *   GET  /v2                                   server metadata
 *   GET  /v2/health/live | /v2/health/ready
 *   GET  /v2/models/{m}[/versions/{v}]         model metadata (+ execution provider)
 *   GET  /v2/models/{m}[/versions/{v}]/ready
 *   GET  /v2/models/{m}[/versions/{v}]/config  the model's config as Triton's ModelConfig, id maps included
 *   GET  /v2/models/{m}/versions/{v}/ids       extension: the id maps of that version
 *   POST /v2/models/{m}[/versions/{v}]/infer   JSON, or JSON + binary tensors (binary-tensors.ts)
 *
 * It is mounted on the platform's HTTP host (platform/http.ts), which answers /healthz, /readyz and
 * /metrics before it, as for every service; every other path is this app's, its 400 included.
 *
 * An infer request holds one of the server's in-flight slots (in-flight.ts) from before its body is
 * read until its answer is sent, and its body may be no larger than the largest valid request to
 * that model needs (request-limits.ts): 429 and 413 beyond them.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import getRawBody from 'raw-body';
import type { Logger } from '../../platform/logger';
import { serverSpans, type ServiceTracing } from '../../platform/telemetry';
import { InferenceError, badRequest } from '../errors';
import { OIP_TYPE, servedConfig } from '../repository/model-config';
import { readIdMaps } from '../repository/model-repository';
import type { LoadedVersion, ModelStore } from '../repository/model-store';
import { withMaxDims } from '../repository/request-limits';
import type { IdMaps } from '../../platform/model-contract';
import type { OipInferRequest, OipInferResponse } from '../../platform/oip';
import { HEADER_LENGTH, decodeInferBody, encodeElements, wantsBinary } from './binary-tensors';
import { RETRY_AFTER_SECONDS, type InFlightLimit } from './in-flight';
import { publicError } from './masked-errors';
import { runInference } from './run-inference';

export const SERVER_NAME = 'federation-platform-inference';
export const SERVER_VERSION = '1.0.0';
export const SERVER_EXTENSIONS = ['model_configuration', 'binary_tensor_data', 'model_repository_id_maps'];

type Params = { model: string; version?: string };

export interface InferenceAppOptions {
  logger: Logger;
  inFlight: InFlightLimit;
  /** Tracing on: each HTTP infer request is a server span, continuing its caller's trace (callers are the platform's services). */
  tracing?: ServiceTracing;
}

const INFER_ROUTE = '/v2/models/:model{/versions/:version}/infer';

export function createInferenceApp(store: ModelStore, { logger, inFlight, tracing }: InferenceAppOptions): express.Express {
  const app = express();
  const spans = tracing && serverSpans(tracing, INFER_ROUTE, 'trust');
  const traced = spans ? [(req: Request, res: Response, next: NextFunction) => spans(req, res, () => next())] : [];
  app.disable('x-powered-by');
  // Infer bodies are read raw: JSON whatever the Content-Type (Python clients send none), and the
  // binary tensor extension appends raw bytes after the JSON header.
  const rawBody = async (req: Request<Params>, res: Response, next: NextFunction) => {
    const release = inFlight.acquire();
    if (release instanceof InferenceError) {
      res.set('Retry-After', String(RETRY_AFTER_SECONDS));
      throw release;
    }
    res.once('close', release);
    const limit = store.maxRequestBytes(req.params.model, req.params.version, 'http');
    req.body = await getRawBody(req, { limit, length: req.headers['content-length'] });
    next();
  };

  app.get('/v2', (_req, res) => {
    res.json({
      name: SERVER_NAME,
      version: SERVER_VERSION,
      extensions: SERVER_EXTENSIONS,
    });
  });
  app.get('/v2/health/live', (_req, res) => {
    res.json({ live: true });
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
    for (const version of store.loadedVersions(target.model)) {
      // A version retired from disk while still loaded (publishes faster than the poll) has no id
      // maps to give; it is retired here on the next poll.
      const maps = await readIdMaps(store.repository, target.model, version).catch(() => undefined);
      if (maps) ids[version] = maps;
    }
    // The limits in force, derived ones included, so a client can size its requests from the config.
    res.json(servedConfig(withMaxDims(target.config, target.limits), ids));
  });
  app.get('/v2/models/:model/versions/:version/ids', async (req: Request<Params>, res) => {
    const target = store.resolve(req.params.model, req.params.version, undefined);
    const maps = await readIdMaps(store.repository, target.model, target.version).catch(() => undefined);
    if (!maps) throw badRequest(`version ${target.version} of model "${target.model}" is no longer in the repository`);
    res.json(maps);
  });

  app.post(INFER_ROUTE, ...traced, rawBody, async (req: Request<Params>, res) => {
    const request = decodeInferBody(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), req.get(HEADER_LENGTH));
    const result = await runInference(store, req.params.model, req.params.version, request);
    const binary: Buffer[] = [];
    const body: OipInferResponse = {
      model_name: result.model,
      model_version: result.version,
      ...(result.id !== undefined ? { id: result.id } : {}),
      parameters: { execution_provider: result.provider },
      outputs: result.outputs.map(({ name, datatype, shape, values }) => {
        if (wantsBinary(request as OipInferRequest, name)) {
          const bytes = encodeElements(datatype, values);
          binary.push(bytes);
          return { name, datatype, shape, parameters: { binary_data_size: bytes.length } };
        }
        return { name, datatype, shape, data: Array.from(values, Number) };
      }),
    };
    if (binary.length === 0) {
      res.json(body);
      return;
    }
    const header = Buffer.from(JSON.stringify(body));
    res
      .set(HEADER_LENGTH, String(header.length))
      .type('application/octet-stream')
      .send(Buffer.concat([header, ...binary]));
  });

  app.use((req, _res, next) => next(badRequest(`no route ${req.method} ${req.path}`)));
  app.use(errorHandler(logger));
  return app;
}

export function modelMetadata(store: ModelStore, target: LoadedVersion, pinned: boolean) {
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

/**
 * OIP errors are `{"error": "..."}`; we add the platform error code for GraphQL-friendly mapping,
 * and for internal errors the id of the log line that holds what happened (masked-errors.ts).
 */
function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const bodyError = error as { type?: string; status?: number; message?: string; limit?: number; length?: number };
    if (bodyError.type === 'entity.too.large') {
      res.status(413).json({
        error: `request body of ${bodyError.length ?? 'more than ' + bodyError.limit} bytes is above the ${bodyError.limit} bytes the largest valid request to this model needs`,
        code: 'BAD_USER_INPUT',
      });
      return;
    }
    if (bodyError.type === 'request.aborted' || bodyError.type === 'request.size.invalid' || bodyError.type === 'entity.verify.failed') {
      res.status(400).json({ error: `request body: ${bodyError.message}`, code: 'BAD_USER_INPUT' });
      return;
    }
    const answer = publicError(error, logger, { method: req.method, path: req.path });
    res.status(answer.status).json({
      error: answer.message,
      code: answer.code,
      ...(answer.requestId ? { request_id: answer.requestId } : {}),
    });
  };
}
