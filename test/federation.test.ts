/**
 * The supergraph end to end, through the gateway with a real GraphQL client: one query that
 * spans all five subgraphs, ordering and paying with idempotency, and who may read what.
 */
import { gql } from 'graphql-request';
import { eventually } from './support/eventually';
import { graphqlErrors, startTestPlatform, type TestPlatform } from './support/platform';

const DASHBOARD = gql`
  {
    me {
      name
      orders(first: 3) {
        edges {
          node {
            total {
              amount
              currency
            }
            items {
              quantity
              product {
                name
                price {
                  amount
                }
              }
            }
            payment {
              status
            }
          }
        }
      }
      recommendations(first: 5) {
        score
        product {
          name
          category
        }
      }
    }
  }
`;

const PLACE_ORDER = gql`
  mutation ($input: PlaceOrderInput!) {
    placeOrder(input: $input) {
      id
      status
      total {
        amount
        currency
      }
      items {
        quantity
        unitPrice {
          amount
        }
        product {
          id
          stock
        }
      }
    }
  }
`;

const PAY_ORDER = gql`
  mutation ($input: PayOrderInput!) {
    payOrder(input: $input) {
      id
      status
      method
      failureReason
      amount {
        amount
        currency
      }
      order {
        id
      }
    }
  }
`;

const PRODUCT_STOCK = gql`
  query ($id: ID!) {
    product(id: $id) {
      id
      stock
      price {
        amount
      }
    }
  }
`;

interface DashboardData {
  me: {
    name: string;
    orders: {
      edges: {
        node: {
          total: { amount: number };
          items: { quantity: number; product: { name: string; price: { amount: number } } }[];
          payment: { status: string } | null;
        };
      }[];
    };
    recommendations: { score: number; product: { name: string; category: string } }[];
  };
}

describe('federated platform through the gateway', () => {
  let t: TestPlatform;
  let buyer: string;
  let stranger: string;

  beforeAll(async () => {
    t = await startTestPlatform();
    const rows = await t.platform.db.sql.query<{ userId: string }>(
      `SELECT "userId" FROM "orders"."Order" WHERE status = 'PAID' GROUP BY "userId" HAVING COUNT(*) >= 2 ORDER BY "userId" LIMIT 2`,
    );
    [buyer, stranger] = rows.map((row) => row.userId);
  });

  afterAll(() => t?.close());

  it('answers one query with data from all five subgraphs', async () => {
    const data = await t.client(await t.token(buyer)).request<DashboardData>(DASHBOARD);
    expect(data.me.name).toEqual(expect.any(String)); // users
    expect(data.me.orders.edges.length).toBeGreaterThan(0); // orders
    const first = data.me.orders.edges[0].node;
    expect(first.items[0].product.name).toEqual(expect.any(String)); // products
    expect(data.me.orders.edges.some((edge) => edge.node.payment?.status === 'CAPTURED')).toBe(true); // payments
    expect(data.me.recommendations).toHaveLength(5); // recommendations
    expect(data.me.recommendations[0].product.category).toEqual(expect.any(String));
  });

  it('places and pays an order once, however often the same keys are sent', async () => {
    const client = t.client(await t.token(stranger));
    const { products } = await client.request<{ products: { edges: { node: { id: string; stock: number } }[] } }>(gql`
      {
        products(first: 50) {
          edges {
            node {
              id
              stock
            }
          }
        }
      }
    `);
    const product = products.edges.map((edge) => edge.node).find((node) => node.stock >= 5)!;
    const input = { idempotencyKey: `order-${Date.now()}`, items: [{ productId: product.id, quantity: 2 }] };

    const first = await client.request<{ placeOrder: { id: string; status: string; total: { amount: number } } }>(PLACE_ORDER, { input });
    const again = await client.request<{ placeOrder: { id: string } }>(PLACE_ORDER, { input });
    expect(again.placeOrder.id).toBe(first.placeOrder.id);
    expect(first.placeOrder.status).toBe('PENDING_PAYMENT');
    const afterOrder = await client.request<{ product: { stock: number; price: { amount: number } } }>(PRODUCT_STOCK, { id: product.id });
    expect(afterOrder.product.stock).toBe(product.stock - 2);
    expect(first.placeOrder.total.amount).toBe(2 * afterOrder.product.price.amount);

    const pay = { orderId: first.placeOrder.id, idempotencyKey: `pay-${Date.now()}`, cardNumber: '4242424242424242' };
    const paid = await client.request<{ payOrder: { id: string; status: string; amount: { amount: number } } }>(PAY_ORDER, { input: pay });
    const paidAgain = await client.request<{ payOrder: { id: string; status: string } }>(PAY_ORDER, { input: pay });
    expect(paid.payOrder.status).toBe('CAPTURED');
    expect(paid.payOrder.amount.amount).toBe(first.placeOrder.total.amount);
    expect(paidAgain.payOrder).toMatchObject({ id: paid.payOrder.id, status: 'CAPTURED' });

    // A second payment of a paid order under a new key is refused, not charged.
    const twice = await graphqlErrors(client.request(PAY_ORDER, { input: { ...pay, idempotencyKey: `pay-other-${Date.now()}` } }));
    expect(twice[0].extensions?.code).toMatch(/CONFLICT|INVALID_STATE_TRANSITION/);

    const stockNow = await client.request<{ product: { stock: number } }>(PRODUCT_STOCK, { id: product.id });
    expect(stockNow.product.stock).toBe(product.stock - 2);
    const readStatus = async () =>
      (
        await client.request<{ order: { status: string } }>(
          gql`
            query ($id: ID!) {
              order(id: $id) {
                status
              }
            }
          `,
          { id: first.placeOrder.id },
        )
      ).order.status;
    // Order status follows the payments service's event; it settles shortly after.
    expect(await eventually(readStatus, (status) => status === 'PAID')).toBe('PAID');
  });

  it('records a declined card as a FAILED payment, then accepts another card, then refunds once', async () => {
    const client = t.client(await t.token(stranger));
    const { products } = await client.request<{ products: { edges: { node: { id: string; stock: number } }[] } }>(gql`
      {
        products(first: 50, after: null) {
          edges {
            node {
              id
              stock
            }
          }
        }
      }
    `);
    const product = products.edges
      .map((edge) => edge.node)
      .reverse()
      .find((node) => node.stock >= 1)!;
    const { placeOrder } = await client.request<{ placeOrder: { id: string } }>(PLACE_ORDER, {
      input: { idempotencyKey: `declined-${Date.now()}`, items: [{ productId: product.id, quantity: 1 }] },
    });
    const declined = await client.request<{ payOrder: { status: string; failureReason: string } }>(PAY_ORDER, {
      input: { orderId: placeOrder.id, idempotencyKey: `d1-${Date.now()}`, cardNumber: '4000000000000002' },
    });
    expect(declined.payOrder).toMatchObject({ status: 'FAILED', failureReason: 'card_declined' });
    const ok = await client.request<{ payOrder: { id: string; status: string } }>(PAY_ORDER, {
      input: { orderId: placeOrder.id, idempotencyKey: `d2-${Date.now()}`, cardNumber: '4242424242424242' },
    });
    expect(ok.payOrder.status).toBe('CAPTURED');

    const REFUND = gql`
      mutation ($id: ID!) {
        refundPayment(paymentId: $id) {
          id
          status
        }
      }
    `;
    const refunded = await client.request<{ refundPayment: { status: string } }>(REFUND, { id: ok.payOrder.id });
    expect(refunded.refundPayment.status).toBe('REFUNDED');
    const again = await graphqlErrors(client.request(REFUND, { id: ok.payOrder.id }));
    expect(again[0]).toMatchObject({
      message: 'A payment in status REFUNDED cannot become REFUNDED',
      extensions: { code: 'INVALID_STATE_TRANSITION' },
    });
  });

  it("keeps one user's orders and payments from another", async () => {
    const owner = t.client(await t.token(buyer));
    const other = t.client(await t.token(stranger));
    const { me } = await owner.request<{
      me: { id: string; orders: { edges: { node: { id: string; payment: { id: string } | null } }[] } };
    }>(gql`
      {
        me {
          id
          orders(first: 5) {
            edges {
              node {
                id
                payment {
                  id
                }
              }
            }
          }
        }
      }
    `);
    const order = me.orders.edges.find((edge) => edge.node.payment)!.node;

    const viaUser = await graphqlErrors(
      other.request(
        gql`
          query ($id: ID!) {
            user(id: $id) {
              orders(first: 5) {
                edges {
                  node {
                    id
                  }
                }
              }
            }
          }
        `,
        { id: buyer },
      ),
    );
    expect(viaUser[0].extensions?.code).toBe('FORBIDDEN');
    const viaOrder = await other.request<{ order: unknown }>(
      gql`
        query ($id: ID!) {
          order(id: $id) {
            id
            total {
              amount
            }
          }
        }
      `,
      { id: order.id },
    );
    expect(viaOrder.order).toBeNull();
    const refund = await graphqlErrors(
      other.request(
        gql`
          mutation ($id: ID!) {
            refundPayment(paymentId: $id) {
              status
            }
          }
        `,
        { id: order.payment!.id },
      ),
    );
    expect(refund[0].extensions?.code).toBe('NOT_FOUND');
    const pay = await graphqlErrors(
      other.request(PAY_ORDER, { input: { orderId: order.id, idempotencyKey: 'steal', cardNumber: '4242424242424242' } }),
    );
    expect(pay[0].extensions?.code).toBe('NOT_FOUND');

    const admin = t.client(await t.token(stranger, ['customer', 'admin']));
    const asAdmin = await admin.request<{ order: { id: string } }>(
      gql`
        query ($id: ID!) {
          order(id: $id) {
            id
          }
        }
      `,
      { id: order.id },
    );
    expect(asAdmin.order.id).toBe(order.id);
  });

  it('answers a missing or forged token with UNAUTHENTICATED', async () => {
    const anonymous = await graphqlErrors(
      t.client().request(gql`
        {
          me {
            id
          }
        }
      `),
    );
    expect(anonymous[0].extensions?.code).toBe('UNAUTHENTICATED');
    // `me` is nullable (a users outage must not null the whole answer): anonymous, it is null with the error at its path.
    const anonymousBody = (await (
      await fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ me { id } }' }),
      })
    ).json()) as { data: unknown; errors: { path: string[]; extensions: { code: string } }[] };
    expect(anonymousBody.data).toEqual({ me: null });
    expect(anonymousBody.errors).toEqual([
      expect.objectContaining({ path: ['me'], extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) as object }),
    ]);

    const forged = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad' },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(forged.status).toBe(401);
    const body = (await forged.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('answers malformed input with BAD_USER_INPUT naming the field', async () => {
    const client = t.client(await t.token(stranger));
    const zero = await graphqlErrors(
      client.request(PLACE_ORDER, { input: { idempotencyKey: 'bad-1', items: [{ productId: 'product-00001', quantity: 0 }] } }),
    );
    expect(zero[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'input.items[0].quantity' } });
    expect(zero[0].message).toContain('input.items[0].quantity');

    const typed = await graphqlErrors(
      client.request(PLACE_ORDER, { input: { idempotencyKey: 'bad-2', items: [{ productId: 'p', quantity: 'two' }] } }),
    );
    expect(typed[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(typed[0].message).toContain('quantity');

    const unknown = await graphqlErrors(
      client.request(PLACE_ORDER, { input: { idempotencyKey: 'bad-3', items: [{ productId: 'no-such-product', quantity: 1 }] } }),
    );
    expect(unknown[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'input.items[0].productId' } });

    const card = await graphqlErrors(client.request(PAY_ORDER, { input: { orderId: 'x', idempotencyKey: 'k', cardNumber: '1234' } }));
    expect(card[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'input.cardNumber' } });

    const page = await graphqlErrors(
      client.request(gql`
        {
          products(first: 0) {
            edges {
              node {
                id
              }
            }
          }
        }
      `),
    );
    expect(page[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
  });

  it('answers a body it cannot read with a 4xx GraphQL error in JSON, not an HTML page', async () => {
    const post = (body: string) => fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const malformed = await post('{"query": "{ me { id }');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
    const oversized = await post(JSON.stringify({ query: `{ __typename }${' '.repeat(1_100_000)}` }));
    expect(oversized.status).toBe(413);
    expect(await oversized.json()).toMatchObject({ errors: [{ extensions: { code: 'LIMIT_EXCEEDED' } }] });
  });
});
