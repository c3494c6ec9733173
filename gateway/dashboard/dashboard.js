// The live dashboard: subscribes through the gateway (graphql-ws, the same library the platform
// uses) and shows a user's recommendations as orders and interactions change them.
import { createClient } from '/dashboard/vendor/graphql-ws/client.js';

// product is null (with a SERVICE_UNAVAILABLE error) while the products service is down; productId is always there.
const FIELDS = 'productId score reason degraded degradedReasons product { name category price { amount currency } stock }';
const UNAVAILABLE = '(product details unavailable)';
const SUBSCRIPTION = `subscription Watch($userId: ID!) {
  recommendationsUpdated(userId: $userId) { trigger publishedAt items { ${FIELDS} } }
}`;
const CURRENT = `query Current($userId: ID!) { user(id: $userId) { name recommendations(first: 10) { ${FIELDS} } } }`;

const $ = (selector) => document.querySelector(selector);
const params = new URLSearchParams(location.search);
$('#user').value = params.get('user') ?? localStorage.getItem('dashboard.user') ?? '';
$('#token').value = params.get('token') ?? localStorage.getItem('dashboard.token') ?? '';

let client;
let stop = () => {};
let shown = new Set();

function setStatus(state, text = state) {
  const status = $('#status');
  status.dataset.state = state;
  status.textContent = text;
}

const money = ({ amount, currency }) => new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(amount / 100);

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

const words = (value) => value.toLowerCase().replaceAll('_', ' ');

function renderItems(items) {
  const body = $('#items tbody');
  body.replaceChildren();
  const ids = new Set();
  items.slice(0, 10).forEach((item, index) => {
    const row = document.createElement('tr');
    if (shown.size > 0 && !shown.has(item.productId)) row.className = 'fresh';
    const { product } = item;
    const why = words(item.reason) + (item.degraded ? ` (degraded: ${item.degradedReasons.map(words).join(', ')})` : '');
    row.append(
      cell(String(index + 1)),
      product ? cell(product.name) : cell(UNAVAILABLE, 'unavailable'),
      cell(product ? product.category : '—'),
      cell(product ? money(product.price) : '—', 'num'),
      cell(product ? String(product.stock) : '—', 'num'),
      cell(item.score.toFixed(3), 'num'),
      cell(why, item.degraded ? 'degraded' : undefined),
    );
    row.title = product ? '' : `Product ${item.productId}`;
    body.append(row);
    ids.add(item.productId);
  });
  shown = ids;
}

/** A partial answer: name the services that are down, keep showing what arrived. */
function showNotice(errors) {
  const notice = $('#notice');
  const down = [...new Set((errors ?? []).map((error) => error.extensions?.serviceName).filter(Boolean))];
  notice.hidden = down.length === 0;
  notice.textContent = down.length ? `Unavailable right now: ${down.join(', ')}. Some details are missing.` : '';
}

function logUpdate(update) {
  const latency = Date.now() - Date.parse(update.publishedAt);
  const row = document.createElement('tr');
  row.className = 'fresh';
  row.dataset.trigger = update.trigger;
  row.append(
    cell(new Date().toLocaleTimeString()),
    cell(update.trigger),
    cell(`${latency} ms`, 'num'),
    cell(update.items[0] ? (update.items[0].product?.name ?? UNAVAILABLE) : '—'),
  );
  $('#log tbody').prepend(row);
}

async function fetchCurrent(userId, token) {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: CURRENT, variables: { userId } }),
  });
  const body = await response.json();
  // Errors with data are a partial answer (a service is down): show it. Without data, nothing to show.
  if (body.errors && !body.data?.user) throw new Error(body.errors[0].message);
  showNotice(body.errors);
  $('#who').textContent = body.data.user ? `— ${body.data.user.name}` : '';
  renderItems(body.data.user?.recommendations ?? []);
}

async function watch(userId, token) {
  stop();
  await client?.dispose();
  localStorage.setItem('dashboard.user', userId);
  localStorage.setItem('dashboard.token', token);
  setStatus('connecting');
  try {
    await fetchCurrent(userId, token);
  } catch (error) {
    setStatus('error', error.message);
    return;
  }
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  client = createClient({
    url: wsUrl,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: Infinity,
    shouldRetry: (event) => event?.code !== 4401,
    on: {
      connected: () => setStatus('live'),
      closed: (event) => setStatus(event?.code === 4401 ? 'error' : 'connecting', event?.code === 4401 ? event.reason : 'reconnecting'),
    },
  });
  stop = client.subscribe(
    { query: SUBSCRIPTION, variables: { userId } },
    {
      next: ({ data, errors }) => {
        if (errors && !data?.recommendationsUpdated) return setStatus('error', errors[0].message);
        showNotice(errors);
        renderItems(data.recommendationsUpdated.items);
        logUpdate(data.recommendationsUpdated);
      },
      error: (error) => setStatus('error', Array.isArray(error) ? error[0].message : 'connection lost'),
      complete: () => setStatus('idle', 'ended'),
    },
  );
}

$('#watch').addEventListener('submit', (event) => {
  event.preventDefault();
  void watch($('#user').value.trim(), $('#token').value.trim());
});

if ($('#user').value && $('#token').value) void watch($('#user').value.trim(), $('#token').value.trim());
