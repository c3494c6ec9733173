/**
 * The server-wide bound on infer requests it holds at once, both transports together: from the
 * moment a request is accepted (before its body is read, so slow uploads count too) until its answer
 * is sent, whether it is waiting for its body, queued in a batcher or running. Per-model queue
 * bounds (max_queue_size) cannot do this: every model has its own, and a body being read is in none.
 * Beyond the bound a request is refused at once (HTTP 429 with Retry-After, gRPC RESOURCE_EXHAUSTED),
 * which costs the server nothing; the recommendations subgraph answers from popularity meanwhile.
 */
import { tooBusy, type InferenceError } from '../errors';

/** Seconds a refused caller is told to wait: batches take milliseconds, so the queue moves within one. */
export const RETRY_AFTER_SECONDS = 1;

export class InFlightLimit {
  private held = 0;

  constructor(readonly max: number) {}

  get inFlight(): number {
    return this.held;
  }

  /** A release function (call it exactly once, when the answer is sent), or the error to answer with. */
  acquire(): (() => void) | InferenceError {
    if (this.held >= this.max) {
      return tooBusy(`busy: ${this.held} requests in flight (INFERENCE_MAX_IN_FLIGHT ${this.max}); retry after ${RETRY_AFTER_SECONDS} s`);
    }
    this.held++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held--;
    };
  }
}
