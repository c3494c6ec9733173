import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { rootLogger } from '../../../platform/logger';
import { InferenceClient, InferenceUnavailable } from './inference-client';

/** A stand-in OIP server whose health the test switches (this module's unit test; the real server is tested elsewhere). */
function fakeServer() {
  let healthy = false;
  let calls = 0;
  const server = http.createServer((req, res) => {
    calls++;
    if (!healthy) {
      res.writeHead(503).end('overloaded');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        model_version: '1',
        outputs: [
          { name: 'item_index', shape: [1, 2], datatype: 'INT64', data: [1, -1] },
          { name: 'score', shape: [1, 2], datatype: 'FP32', data: [0.5, 0] },
        ],
      }),
    );
  });
  return {
    server,
    setHealthy: (value: boolean) => (healthy = value),
    calls: () => calls,
  };
}

describe('inference client circuit breaker', () => {
  it('opens after repeated failures, fails fast while open, and closes by itself once the server answers', async () => {
    const fake = fakeServer();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    const client = new InferenceClient({
      baseUrl: url,
      log: rootLogger,
      breaker: { volumeThreshold: 3, resetTimeoutMs: 300 },
    });
    const input = [{ name: 'user_index', shape: [1, 1], datatype: 'INT64' as const, data: [0] }];
    const deadline = () => AbortSignal.timeout(500);
    try {
      for (let i = 0; i < 3; i++)
        await expect(client.infer('recommender', '1', input, deadline())).rejects.toBeInstanceOf(InferenceUnavailable);
      expect(client.circuitOpen).toBe(true);
      const callsWhileOpen = fake.calls();
      await expect(client.infer('recommender', '1', input, deadline())).rejects.toMatchObject({ reason: 'circuit_open' });
      expect(fake.calls()).toBe(callsWhileOpen);

      fake.setHealthy(true);
      await new Promise((resolve) => setTimeout(resolve, 350));
      const result = await client.infer('recommender', '1', input, deadline());
      expect(result.outputs.find((output) => output.name === 'item_index')?.data).toEqual([1, -1]);
      expect(client.circuitOpen).toBe(false);
    } finally {
      client.close();
      fake.server.close();
    }
  });
});
