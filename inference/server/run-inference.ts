/**
 * One inference request, whatever the transport (HTTP/REST or gRPC): resolve the version (pinned,
 * or by traffic split), validate against its config, run it through the version's batcher, and
 * count it. Both transports format the same result and share every error.
 */
import { InferenceError, RetiredError } from '../errors';
import { inferenceMetrics } from '../metrics';
import { OIP_TYPE } from '../repository/model-config';
import type { ModelStore } from '../repository/model-store';
import type { OipDataType } from '../../platform/oip';
import { routingKeyOf, validateInferRequest } from './validate-request';

export interface InferenceResult {
  model: string;
  version: string;
  id?: string;
  provider: string;
  outputs: { name: string; datatype: OipDataType; shape: number[]; values: ArrayLike<number | bigint> }[];
}

/** `request` is an OIP infer request body (inputs with `data` already decoded). */
export async function runInference(
  store: ModelStore,
  model: string,
  version: string | undefined,
  request: unknown,
): Promise<InferenceResult> {
  const started = performance.now();
  const routingKey = routingKeyOf(request);
  let target = store.resolve(model, version, routingKey);
  inferenceMetrics.requests.inc({ model, version: String(target.version) });
  try {
    let validated = validateInferRequest(request, target.config, target.metadata, target.limits);
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
        validated = validateInferRequest(request, target.config, target.metadata, target.limits);
      }
    }
    const result: InferenceResult = {
      model,
      version: String(target.version),
      id: validated.id,
      provider: target.provider,
      outputs: validated.outputs.map((name) => {
        const spec = target.config.output.find((o) => o.name === name)!;
        return {
          name,
          datatype: OIP_TYPE[spec.data_type],
          shape: outputs[name].dims,
          values: outputs[name].data as ArrayLike<number | bigint>,
        };
      }),
    };
    inferenceMetrics.latency.observe({ model, version: String(target.version) }, (performance.now() - started) / 1000);
    return result;
  } catch (error) {
    const status = error instanceof InferenceError ? error.status : 500;
    inferenceMetrics.errors.inc({ model, version: String(target.version), status: String(status) });
    throw error;
  }
}
