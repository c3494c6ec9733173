/**
 * The HTTP routes an Open Inference Protocol server offers, as the specification lists them
 * (kserve/open-inference-protocol, specification/protocol/inference_rest.md: health, server and
 * model metadata, model readiness, inference), plus the one Triton extension the subgraph relies
 * on, model_configuration (triton-inference-server/server docs/protocol/extension_model_configuration.md).
 * Nothing else may be assumed of a server behind INFERENCE_URL.
 */
const MODEL = String.raw`/v2/models/[^/]+(?:/versions/[^/]+)?`;

export const SPEC_ROUTES: { method: 'GET' | 'POST'; path: RegExp; source: string }[] = [
  { method: 'GET', path: /^\/v2\/health\/live$/, source: 'OIP server live' },
  { method: 'GET', path: /^\/v2\/health\/ready$/, source: 'OIP server ready' },
  { method: 'GET', path: /^\/v2$/, source: 'OIP server metadata' },
  { method: 'GET', path: new RegExp(`^${MODEL}$`), source: 'OIP model metadata' },
  { method: 'GET', path: new RegExp(`^${MODEL}/ready$`), source: 'OIP model ready' },
  { method: 'POST', path: new RegExp(`^${MODEL}/infer$`), source: 'OIP inference' },
  { method: 'GET', path: new RegExp(`^${MODEL}/config$`), source: 'Triton model_configuration extension' },
];

export const specRoute = (method: string, path: string) => SPEC_ROUTES.find((route) => route.method === method && route.path.test(path));

/**
 * Triton's ModelConfig field names (model_config.proto, message ModelConfig and ModelInput /
 * ModelOutput), in their JSON (snake_case) form: a config whose fields are all listed parses as
 * ModelConfig; any other field fails a protobuf JSON parse.
 */
export const MODEL_CONFIG_FIELDS = new Set([
  'name',
  'platform',
  'backend',
  'runtime',
  'version_policy',
  'max_batch_size',
  'input',
  'output',
  'batch_input',
  'batch_output',
  'optimization',
  'dynamic_batching',
  'sequence_batching',
  'ensemble_scheduling',
  'instance_group',
  'default_model_filename',
  'cc_model_filenames',
  'metric_tags',
  'parameters',
  'model_warmup',
  'model_operations',
  'model_transaction_policy',
  'model_repository_agents',
  'response_cache',
  'model_metrics',
]);
export const MODEL_INPUT_FIELDS = new Set([
  'name',
  'data_type',
  'format',
  'dims',
  'reshape',
  'is_shape_tensor',
  'allow_ragged_batch',
  'optional',
  'is_non_linear_format_io',
]);
export const MODEL_OUTPUT_FIELDS = new Set([
  'name',
  'data_type',
  'dims',
  'reshape',
  'label_filename',
  'is_shape_tensor',
  'is_non_linear_format_io',
]);
