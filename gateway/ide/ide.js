// GraphiQL against this gateway: queries and mutations over HTTP, subscriptions over graphql-ws on
// the same path. The Authorization header typed into the headers editor goes with both (in
// connection_init for the socket), so one token works for every kind of operation.
import { createClient } from '/ide/vendor/graphql-ws/client.js';

const config = JSON.parse(document.getElementById('ide-config').textContent);
const endpoint = new URL(config.endpoint, location.href);
const socketUrl = endpoint.href.replace(/^http/, 'ws');

/** One socket per distinct Authorization value: a new token in the editor opens a new connection. */
const sockets = new Map();
function socketFor(authorization) {
  const key = authorization ?? '';
  if (!sockets.has(key)) {
    sockets.set(key, createClient({ url: socketUrl, lazy: true, connectionParams: authorization ? { authorization } : {} }));
  }
  return sockets.get(key);
}

function authorizationOf(headers) {
  const name = Object.keys(headers ?? {}).find((header) => header.toLowerCase() === 'authorization');
  return name ? headers[name] : undefined;
}

/**
 * Whether the operation to run is a subscription, read from the query text: GraphiQL's own parsed
 * document lags behind the editor (it is parsed on a debounce), so a query pasted and run at once
 * would be sent the wrong way. Top-level words only: comments, strings and selection sets skipped.
 */
function isSubscription(query, operationName) {
  const text = query.replace(/"""[\s\S]*?"""|"(?:\\.|[^"\\])*"|#[^\n]*/g, ' ');
  const operations = [];
  let braces = 0;
  let parens = 0;
  for (const [token] of text.matchAll(/[{}()]|[$@]?[_A-Za-z][_0-9A-Za-z]*/g)) {
    const last = operations.at(-1);
    if (token === '(') parens++;
    else if (token === ')') parens--;
    else if (parens > 0)
      continue; // variable definitions and arguments, default values included
    else if (token === '{') {
      if (braces++ > 0) continue;
      if (last?.awaitingBody) last.awaitingBody = false;
      else operations.push({ type: 'query', name: undefined, awaitingBody: false }); // the {…} shorthand
    } else if (token === '}') braces--;
    else if (braces > 0 || token.startsWith('$') || token.startsWith('@')) continue;
    else if (['query', 'mutation', 'subscription', 'fragment'].includes(token) && !last?.awaitingBody) {
      operations.push({ type: token, name: undefined, awaitingBody: true });
    } else if (last?.awaitingBody && last.name === undefined) last.name = token;
  }
  const runnable = operations.filter((operation) => operation.type !== 'fragment');
  const chosen = operationName ? runnable.find((operation) => operation.name === operationName) : runnable[0];
  return chosen?.type === 'subscription';
}

async function* subscribe(client, params) {
  const iterator = client.iterate(params);
  try {
    for await (const result of iterator) yield result;
  } finally {
    await iterator.return?.();
  }
}

function fetcher(params, options = {}) {
  const headers = options.headers ?? {};
  if (isSubscription(params.query, params.operationName)) {
    return subscribe(socketFor(authorizationOf(headers)), params);
  }
  return fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: JSON.stringify(params),
  }).then((response) => response.json());
}

ReactDOM.createRoot(document.getElementById('ide')).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: config.defaultQuery,
    defaultHeaders: config.defaultHeaders,
    defaultEditorToolsVisibility: config.defaultHeaders ? 'headers' : false,
    shouldPersistHeaders: false,
  }),
);
