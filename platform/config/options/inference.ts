/** The inference server's own bounds and runtime. */
import { declareOptions, option } from '../option';

export const inferenceOptions = declareOptions('Inference server', {
  MODEL_REPOSITORY: option.string({ defaultText: '`DATA_DIR/models`', description: "Folder laid out like Triton's model repository." }),
  // 1: the version served until the last publish stays, so a bad model can be rolled back to it
  // (version_policy specific); more would keep more copies of past users' factors around.
  MODEL_KEEP_VERSIONS: option.int({
    min: 0,
    default: 1,
    description:
      'Model versions no longer served that each publish keeps on disk for rollback (newest first); older ones are deleted. Erased users are blanked in their id maps.',
  }),
  // 256 is the benchmark's most concurrent callers (bench/inference.ts), and bounds the bodies held to 256 × the largest valid request.
  INFERENCE_MAX_IN_FLIGHT: option.int({
    default: 256,
    description: 'Infer requests the inference server holds at once (HTTP and gRPC); beyond it 429 + `Retry-After`, `RESOURCE_EXHAUSTED`.',
  }),
  INFERENCE_POLL_INTERVAL_MS: option.int({
    default: 1000,
    description: 'How often the server looks for new model versions in the repository.',
  }),
  INFERENCE_EXECUTION_PROVIDERS: option.string({
    defaultText: '`cuda,webgpu,cpu`',
    description: 'onnxruntime execution providers, tried in order with a logged fallback; CPU always last.',
  }),
  INFERENCE_INTRA_OP_THREADS: option.int({
    min: 0,
    default: 0,
    description: "onnxruntime's intra-op threads; 0 leaves onnxruntime's own choice.",
  }),
  INFERENCE_ALLOW_SPINNING: option.switch({
    default: false,
    description: "Let onnxruntime's pool threads spin while waiting for work (they share the cores with the event loop).",
  }),
});
