/**
 * Runs plugins' hooks in the order the plugins are listed. Wrapping hooks are composed once, into
 * one function per phase: the first plugin is the outermost, and a phase no plugin wraps costs
 * nothing beyond the call it wraps.
 */
import type { GraphqlGate } from '../../platform/graphql-http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  DocumentPhase,
  GatewayPlugin,
  HttpRequestPhase,
  OperationPhase,
  PlanPhase,
  ResponsePhase,
  SubgraphFetchNext,
  SubscriptionEventPhase,
} from './plugin';
import type { RequestState } from './request-state';
import type { ExecutionResult } from 'graphql';

type Wrap<Phase, Result> = (phase: Phase, next: () => Promise<Result>) => Promise<Result>;

export class Pipeline {
  constructor(readonly plugins: readonly GatewayPlugin[]) {}

  /** The same pipeline with more plugins after these (an endpoint's own concerns). */
  with(...plugins: GatewayPlugin[]): Pipeline {
    return new Pipeline([...this.plugins, ...plugins]);
  }

  /** Every plugin's onSubgraphFetch around `send`. */
  subgraphFetch(send: SubgraphFetchNext): SubgraphFetchNext {
    return this.plugins.reduceRight<SubgraphFetchNext>((next, plugin) => {
      const hook = plugin.onSubgraphFetch?.bind(plugin);
      return hook ? (fetch) => hook(fetch, next) : next;
    }, send);
  }

  /** Every plugin's onPlan around Apollo's executor; undefined when none has one. */
  plan(): Wrap<PlanPhase, ExecutionResult> | undefined {
    return this.wrapping((plugin) => plugin.onPlan?.bind(plugin));
  }

  /** Every plugin's onSubscriptionEvent around completing the event. */
  subscriptionEvent(complete: (phase: SubscriptionEventPhase) => Promise<ExecutionResult>) {
    const chain = this.plugins.reduceRight<(phase: SubscriptionEventPhase) => Promise<ExecutionResult>>((next, plugin) => {
      const hook = plugin.onSubscriptionEvent?.bind(plugin);
      return hook ? (phase) => hook(phase, (event) => next({ ...phase, event })) : next;
    }, complete);
    return chain;
  }

  /**
   * The HTTP gate of an endpoint: each onHttpRequest in turn until one answers the request itself;
   * then the request's state, or the error of a token that failed verification (raised as the
   * request's GraphQL error, after the rate limit has counted the client).
   */
  httpGate(endpoint: string): GraphqlGate<RequestState> {
    const hooks = this.plugins.flatMap((plugin) => (plugin.onHttpRequest ? [plugin.onHttpRequest.bind(plugin)] : []));
    return async ({ req, res }) => {
      const receivedAt = performance.now();
      const phase: HttpRequestPhase = { endpoint, req, res, state: {} };
      for (const hook of hooks) if (!(await hook(phase))) return undefined;
      const { viewer, partner, span, authenticationError } = phase.state;
      return async () => {
        if (authenticationError !== undefined) throw authenticationError;
        const state: RequestState = { viewer: viewer ?? { roles: [] }, receivedAt };
        if (partner) state.partner = partner;
        if (span) state.span = span;
        return state;
      };
    };
  }

  /** Every onHttpExchange around an endpoint's handling of a request; undefined when none has one (nothing is wrapped). */
  httpExchange(endpoint: string): ((req: IncomingMessage, res: ServerResponse, handle: () => void) => void) | undefined {
    const hooks = this.plugins.flatMap((plugin) => (plugin.onHttpExchange ? [plugin.onHttpExchange.bind(plugin)] : []));
    if (hooks.length === 0) return undefined;
    return (req, res, handle) => {
      const exchange = { endpoint, req, res };
      const run = hooks.reduceRight<() => void>((next, hook) => () => hook(exchange, next), handle);
      run();
    };
  }

  /** Every onDocumentPhase as the phase begins; the returned function ends it for each of them. */
  documentPhase(phase: DocumentPhase): (errors?: readonly Error[]) => void {
    const ends = this.plugins.flatMap((plugin) => {
      const end = plugin.onDocumentPhase?.(phase);
      return end ? [end] : [];
    });
    return (errors) => {
      for (const end of ends) end(errors);
    };
  }

  /** Every onOperation, started together as Apollo Server runs its plugins' didResolveOperation. */
  async operation(phase: OperationPhase): Promise<void> {
    await Promise.all(this.plugins.map(async (plugin) => plugin.onOperation?.(phase)));
  }

  async response(phase: ResponsePhase): Promise<void> {
    await Promise.all(this.plugins.map(async (plugin) => plugin.onResponse?.(phase)));
  }

  errors(errors: readonly Error[]): void {
    for (const plugin of this.plugins) plugin.onErrors?.(errors);
  }

  has(hook: keyof GatewayPlugin): boolean {
    return this.plugins.some((plugin) => plugin[hook] !== undefined);
  }

  private wrapping<Phase, Result>(hookOf: (plugin: GatewayPlugin) => Wrap<Phase, Result> | undefined): Wrap<Phase, Result> | undefined {
    const hooks = this.plugins.flatMap((plugin) => {
      const hook = hookOf(plugin);
      return hook ? [hook] : [];
    });
    if (hooks.length === 0) return undefined;
    return hooks.reduceRight<Wrap<Phase, Result>>(
      (inner, hook) => (phase, next) => hook(phase, () => inner(phase, next)),
      (_phase, next) => next(),
    );
  }
}
