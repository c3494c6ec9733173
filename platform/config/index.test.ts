import { loadConfig, WEBHOOK_DEFAULTS } from '.';

const productionSecrets = { NODE_ENV: 'production', JWT_SECRET: 'a-real-secret', INTERNAL_SECRET: 'another-real-secret' };

describe('configuration', () => {
  it('serves the IDE with a prefilled dev token in development', () => {
    expect(loadConfig({}).ide).toEqual({ enabled: true, prefillDevToken: true });
    expect(loadConfig({}).devUserId).toBe('user-0001');
    expect(loadConfig({ DEV_USER_ID: 'user-0042' }).devUserId).toBe('user-0042');
  });

  it('keeps the IDE off in production unless configured, and never prefills a token there', () => {
    expect(loadConfig(productionSecrets).ide).toEqual({ enabled: false, prefillDevToken: false });
    expect(loadConfig({ ...productionSecrets, GATEWAY_IDE: 'on' }).ide).toEqual({ enabled: true, prefillDevToken: false });
    expect(loadConfig({ GATEWAY_IDE: 'off' }).ide.enabled).toBe(false);
  });

  it('answers introspection and suggestions in development only, unless configured', () => {
    expect(loadConfig({}).introspection).toBe(true);
    expect(loadConfig(productionSecrets).introspection).toBe(false);
    expect(loadConfig({ ...productionSecrets, GATEWAY_INTROSPECTION: 'on' }).introspection).toBe(true);
  });

  it('retries partner webhooks for a day, and takes https URLs only in production', () => {
    expect(loadConfig({}).webhooks).toEqual({ ...WEBHOOK_DEFAULTS, httpsOnly: false });
    expect(loadConfig(productionSecrets).webhooks.httpsOnly).toBe(true);
    expect(WEBHOOK_DEFAULTS).toMatchObject({
      initialDelayMs: 10_000,
      maxDelayMs: 3600_000,
      retryWindowMs: 24 * 3600_000,
      timeoutMs: 10_000,
    });
    expect(loadConfig({ WEBHOOK_RETRY_WINDOW_MS: '5000', WEBHOOK_INITIAL_DELAY_MS: '50' }).webhooks).toMatchObject({
      retryWindowMs: 5000,
      initialDelayMs: 50,
    });
  });

  it('names the variable when a switch has a value it does not understand', () => {
    expect(() => loadConfig({ GATEWAY_IDE: 'maybe' })).toThrow('GATEWAY_IDE must be on or off, got "maybe"');
  });

  it('bounds subgraph fetches at 30 s and the wait for product facts at 3 s unless configured', () => {
    expect(loadConfig({}).subgraphTimeoutMs).toBe(30_000);
    expect(loadConfig({}).recommendations.productsDeadlineMs).toBe(3_000);
    expect(loadConfig({ GATEWAY_SUBGRAPH_TIMEOUT_MS: '5000' }).subgraphTimeoutMs).toBe(5_000);
    expect(loadConfig({ RECOMMENDATIONS_PRODUCTS_DEADLINE_MS: '750' }).recommendations.productsDeadlineMs).toBe(750);
    expect(() => loadConfig({ GATEWAY_SUBGRAPH_TIMEOUT_MS: '0' })).toThrow(
      'GATEWAY_SUBGRAPH_TIMEOUT_MS must be a positive integer, got "0"',
    );
  });

  it('serves every user the two-stage pipeline unless RECOMMENDATIONS_TWO_STAGE_PERCENT says what share', () => {
    expect(loadConfig({}).recommendations.twoStagePercent).toBe(100);
    expect(loadConfig({ RECOMMENDATIONS_TWO_STAGE_PERCENT: '0' }).recommendations.twoStagePercent).toBe(0);
    expect(loadConfig({ RECOMMENDATIONS_TWO_STAGE_PERCENT: ' 50 ' }).recommendations.twoStagePercent).toBe(50);
    for (const bad of ['101', '-1', '12.5', 'half', '1e2']) {
      expect(() => loadConfig({ RECOMMENDATIONS_TWO_STAGE_PERCENT: bad })).toThrow(
        `RECOMMENDATIONS_TWO_STAGE_PERCENT must be an integer from 0 to 100, got "${bad}"`,
      );
    }
  });

  it('limits queries by default, each limit set by its own variable, all of them off with GATEWAY_QUERY_LIMITS=off', () => {
    expect(loadConfig({}).queryLimits).toEqual({
      enabled: true,
      tokens: 1000,
      depth: 15,
      aliases: 15,
      directives: 50,
      cost: 50_000,
      listSize: 5,
      costMemoBytes: 1024 * 1024,
    });
    const set = loadConfig({
      GATEWAY_MAX_TOKENS: '2000',
      GATEWAY_MAX_DEPTH: '20',
      GATEWAY_MAX_ALIASES: '30',
      GATEWAY_MAX_DIRECTIVES: '60',
      GATEWAY_MAX_COST: '100000',
      GATEWAY_COST_LIST_SIZE: '8',
      GATEWAY_COST_MEMO_BYTES: '65536',
    }).queryLimits;
    expect(set).toEqual({
      enabled: true,
      tokens: 2000,
      depth: 20,
      aliases: 30,
      directives: 60,
      cost: 100_000,
      listSize: 8,
      costMemoBytes: 65_536,
    });
    expect(loadConfig({ GATEWAY_QUERY_LIMITS: 'off' }).queryLimits.enabled).toBe(false);
    expect(() => loadConfig({ GATEWAY_MAX_DEPTH: '0' })).toThrow('GATEWAY_MAX_DEPTH must be a positive integer, got "0"');
    expect(() => loadConfig({ GATEWAY_MAX_TOKENS: '50000' })).toThrow('GATEWAY_MAX_TOKENS must be at most 10000');
  });

  it("serves the gateway's /metrics on a port of its own in production, on its public port otherwise, unless configured", () => {
    expect(loadConfig({}).gatewayMetricsPort).toBeUndefined();
    expect(loadConfig(productionSecrets).gatewayMetricsPort).toBe(9464);
    expect(loadConfig({ GATEWAY_METRICS_PORT: '9100' }).gatewayMetricsPort).toBe(9100);
    expect(loadConfig({ ...productionSecrets, GATEWAY_METRICS_PORT: '9100' }).gatewayMetricsPort).toBe(9100);
    expect(() => loadConfig({ GATEWAY_METRICS_PORT: 'public' })).toThrow('GATEWAY_METRICS_PORT must be a port number');
  });

  it('refuses to start in production on development secrets', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', INTERNAL_SECRET: 'x' })).toThrow('JWT_SECRET or JWKS_URL must be set');
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x' })).toThrow('INTERNAL_SECRET must be set');
  });

  it('refuses development secrets (dev-only…) in production, and says when they are in use elsewhere', () => {
    expect(() => loadConfig({ ...productionSecrets, JWT_SECRET: 'dev-only-jwt-secret' })).toThrow(
      'JWT_SECRET is a development value ("dev-only…"); set a real secret when NODE_ENV=production',
    );
    expect(() => loadConfig({ ...productionSecrets, INTERNAL_SECRET: 'dev-only-internal-secret' })).toThrow(
      'INTERNAL_SECRET is a development value',
    );
    // The built-in defaults carry the same mark: set to them by hand, they are refused too.
    const defaults = loadConfig({});
    expect(defaults.usingDevSecrets).toBe(true);
    expect(() => loadConfig({ ...productionSecrets, JWT_SECRET: defaults.jwtSecret })).toThrow('JWT_SECRET is a development value');
    expect(() => loadConfig({ ...productionSecrets, INTERNAL_SECRET: defaults.internalSecret })).toThrow(
      'INTERNAL_SECRET is a development value',
    );
    // Outside production they run, flagged.
    expect(loadConfig({ NODE_ENV: 'development', JWT_SECRET: 'dev-only-a', INTERNAL_SECRET: 'dev-only-b' }).usingDevSecrets).toBe(true);
    expect(loadConfig(productionSecrets).usingDevSecrets).toBe(false);
    // With an identity provider the JWT secret is not used: only INTERNAL_SECRET counts.
    expect(loadConfig({ NODE_ENV: 'production', JWKS_URL: 'https://idp.example.com/jwks', INTERNAL_SECRET: 'real' }).usingDevSecrets).toBe(
      false,
    );
  });

  it('limits each client at the gateway by default, configurable or off', () => {
    expect(loadConfig({}).rateLimit).toEqual({ enabled: true, points: 6000, windowSeconds: 60, redisTimeoutMs: 500 });
    expect(loadConfig({ GATEWAY_RATE_LIMIT_POINTS: '10', GATEWAY_RATE_LIMIT_WINDOW_S: '5' }).rateLimit).toMatchObject({
      enabled: true,
      points: 10,
      windowSeconds: 5,
    });
    expect(loadConfig({ GATEWAY_RATE_LIMIT: 'off' }).rateLimit.enabled).toBe(false);
    expect(() => loadConfig({ GATEWAY_RATE_LIMIT_POINTS: '0' })).toThrow('GATEWAY_RATE_LIMIT_POINTS must be a positive integer');
  });

  it('believes no proxy unless told which', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ GATEWAY_TRUST_PROXY: 'on' }).trustProxy).toBe(true);
    expect(loadConfig({ GATEWAY_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ GATEWAY_TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toEqual(['loopback', '10.0.0.0/8']);
  });

  it('caps WebSocket messages, the wait for connection_init and sockets per client', () => {
    expect(loadConfig({}).websocket).toEqual({ maxPayloadBytes: 65_536, connectionInitTimeoutMs: 3000, maxConnectionsPerClient: 2000 });
    expect(loadConfig({ GATEWAY_WS_MAX_PAYLOAD_BYTES: '1024' }).websocket.maxPayloadBytes).toBe(1024);
  });
});
