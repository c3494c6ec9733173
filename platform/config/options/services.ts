/** Where each service listens, and where the others find it. */
import { declareOptions, option } from '../option';

const subgraphUrl = (name: string) =>
  option.string({ defaultText: '`http://HOST:<port>/graphql`', description: `Where the gateway and services find the ${name} subgraph.` });

export const serviceOptions = declareOptions('Ports and addresses', {
  GATEWAY_PORT: option.port({ default: 4000, description: "The gateway's HTTP and WebSocket port." }),
  USERS_PORT: option.port({ default: 4001, description: 'The users subgraph.' }),
  PRODUCTS_PORT: option.port({ default: 4002, description: 'The products subgraph.' }),
  ORDERS_PORT: option.port({ default: 4003, description: 'The orders subgraph.' }),
  PAYMENTS_PORT: option.port({ default: 4004, description: 'The payments subgraph.' }),
  RECOMMENDATIONS_PORT: option.port({ default: 4005, description: 'The recommendations subgraph.' }),
  INFERENCE_PORT: option.port({ default: 8000, description: "The inference server's Open Inference Protocol over HTTP." }),
  INFERENCE_GRPC_PORT: option.port({ default: 8001, description: "The inference server's Open Inference Protocol over gRPC (as Triton)." }),
  GATEWAY_METRICS_PORT: option.port({
    defaultText: '9464 in production; unset otherwise',
    description: "The gateway's `/metrics` on a listener of its own on this port (same `HOST`); unset: on the gateway's port.",
  }),
  USERS_URL: subgraphUrl('users'),
  PRODUCTS_URL: subgraphUrl('products'),
  ORDERS_URL: subgraphUrl('orders'),
  PAYMENTS_URL: subgraphUrl('payments'),
  RECOMMENDATIONS_URL: subgraphUrl('recommendations'),
  INFERENCE_URL: option.string({
    defaultText: '`http://127.0.0.1:INFERENCE_PORT`',
    description: 'Any Open Inference Protocol server (ours, or NVIDIA Triton).',
  }),
});
