import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '.';
import { parseSwitch } from './option';

function configFile(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-file-'));
  const file = path.join(dir, 'platform.yaml');
  fs.writeFileSync(file, text);
  return file;
}

describe('declared configuration', () => {
  it('reads every switch the same way: on/off, true/false, yes/no, 1/0 in any case', () => {
    for (const word of ['on', 'TRUE', 'Yes', '1', ' on ']) expect(parseSwitch(word)).toBe(true);
    for (const word of ['off', 'False', 'NO', '0']) expect(parseSwitch(word)).toBe(false);
    expect(loadConfig({ RECOMMENDATIONS_CACHE: 'false' }).recommendations.cache).toBe(false);
    expect(loadConfig({ RECOMMENDATIONS_BATCHING: 'no' }).recommendations.batching).toBe(false);
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE_DESTINATIONS: 'true' }).webhooks.allowPrivateDestinations).toBe(true);
    expect(() => loadConfig({ RECOMMENDATIONS_CACHE: 'disabled' })).toThrow('RECOMMENDATIONS_CACHE must be on or off, got "disabled"');
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE_DESTINATIONS: 'maybe' })).toThrow(
      'WEBHOOK_ALLOW_PRIVATE_DESTINATIONS must be on or off',
    );
  });

  it('takes whole numbers only, and names the variable otherwise', () => {
    for (const bad of ['1e3', '0x10', '12.5', '-4', 'ten']) {
      expect(() => loadConfig({ GATEWAY_MAX_COST: bad })).toThrow(`GATEWAY_MAX_COST must be a positive integer, got "${bad}"`);
    }
    expect(() => loadConfig({ GATEWAY_PORT: '70000' })).toThrow('GATEWAY_PORT must be a port number (0-65535), got "70000"');
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent');
    expect(loadConfig({ GATEWAY_MAX_COST: ' 7 ', GATEWAY_MAX_DEPTH: '' }).queryLimits).toMatchObject({ cost: 7, depth: 15 });
  });

  it('brings the variables once read elsewhere into the configuration', () => {
    const config = loadConfig({
      PRODUCTS_URL: 'http://products:4002/graphql',
      INFERENCE_POLL_INTERVAL_MS: '250',
      REDIS_NAMESPACE: 'staging',
    });
    expect(config.subgraphUrls).toEqual({ products: 'http://products:4002/graphql' });
    expect(config.inference.pollIntervalMs).toBe(250);
    expect(config.redisNamespace).toBe('staging');
    expect(loadConfig({}).redisNamespace).toBe('platform');
    expect(loadConfig({ NODE_ENV: 'test' }).logLevel).toBe('silent');
  });

  it('gives a subgraph a timeout and an entity-cache TTL of its own', () => {
    const config = loadConfig({
      GATEWAY_SUBGRAPH_TIMEOUT_MS: '5000',
      GATEWAY_SUBGRAPH_TIMEOUT_MS__RECOMMENDATIONS: '800',
      ENTITY_CACHE_TTL_MS__PRODUCTS: '60000',
    });
    expect(config.subgraphTimeoutMs).toBe(5000);
    expect(config.subgraphTimeoutsMs).toEqual({ recommendations: 800 });
    expect(config.entityCache).toMatchObject({ ttlMs: 30_000, ttlMsBySubgraph: { products: 60_000 } });
    expect(() => loadConfig({ ENTITY_CACHE_TTL_MS__ORDERS: '0' })).toThrow(
      'ENTITY_CACHE_TTL_MS__ORDERS must be a positive integer, got "0"',
    );
  });

  it('reads a config file, expanding ${VAR} and ${VAR:-default} from the environment', () => {
    const file = configFile(
      [
        'GATEWAY_MAX_COST: 20000',
        'JWT_SECRET: ${VAULT_JWT}',
        'DEV_USER_ID: ${NOT_SET:-user-0042}',
        'RECOMMENDATIONS_CACHE: false',
        'subgraphs:',
        '  all: { GATEWAY_SUBGRAPH_TIMEOUT_MS: 9000 }',
        '  products: { GATEWAY_SUBGRAPH_TIMEOUT_MS: 2000, ENTITY_CACHE_TTL_MS: 90000 }',
      ].join('\n'),
    );
    const config = loadConfig({ CONFIG_FILE: file, VAULT_JWT: 'from-the-vault' });
    expect(config.queryLimits.cost).toBe(20_000);
    expect(config.jwtSecret).toBe('from-the-vault');
    expect(config.devUserId).toBe('user-0042');
    expect(config.recommendations.cache).toBe(false);
    expect(config.subgraphTimeoutMs).toBe(9000);
    expect(config.subgraphTimeoutsMs).toEqual({ products: 2000 });
    expect(config.entityCache.ttlMsBySubgraph).toEqual({ products: 90_000 });
  });

  it('lets the environment win over the file, the more specific value over the general one', () => {
    const file = configFile(
      [
        'GATEWAY_MAX_COST: 20000',
        'subgraphs:',
        '  all: { GATEWAY_SUBGRAPH_TIMEOUT_MS: 9000 }',
        '  products: { GATEWAY_SUBGRAPH_TIMEOUT_MS: 2000 }',
      ].join('\n'),
    );
    const config = loadConfig({
      CONFIG_FILE: file,
      GATEWAY_MAX_COST: '30000',
      GATEWAY_SUBGRAPH_TIMEOUT_MS: '4000',
      GATEWAY_SUBGRAPH_TIMEOUT_MS__PRODUCTS: '1000',
    });
    expect(config.queryLimits.cost).toBe(30_000);
    expect(config.subgraphTimeoutMs).toBe(4000);
    expect(config.subgraphTimeoutsMs).toEqual({ products: 1000 });
    // The file's products value is more specific than the environment's value for all.
    expect(loadConfig({ CONFIG_FILE: file, GATEWAY_SUBGRAPH_TIMEOUT_MS: '4000' }).subgraphTimeoutsMs).toEqual({ products: 2000 });
  });

  it('names the file and the key of a value it refuses', () => {
    const unknown = configFile('GATEWAY_MAX_CSOT: 1\n');
    expect(() => loadConfig({ CONFIG_FILE: unknown })).toThrow(`${unknown}: GATEWAY_MAX_CSOT: not an option`);
    const invalid = configFile('subgraphs:\n  products: { GATEWAY_SUBGRAPH_TIMEOUT_MS: 0 }\n');
    expect(() => loadConfig({ CONFIG_FILE: invalid })).toThrow(
      `GATEWAY_SUBGRAPH_TIMEOUT_MS (${invalid}: subgraphs.products.GATEWAY_SUBGRAPH_TIMEOUT_MS) must be a positive integer, got "0"`,
    );
    const notPerSubgraph = configFile('subgraphs:\n  products: { GATEWAY_MAX_COST: 5 }\n');
    expect(() => loadConfig({ CONFIG_FILE: notPerSubgraph })).toThrow(
      'subgraphs.products.GATEWAY_MAX_COST: not an option that can be set per subgraph',
    );
    const noSuchSubgraph = configFile('subgraphs:\n  inventory: {}\n');
    expect(() => loadConfig({ CONFIG_FILE: noSuchSubgraph })).toThrow('subgraphs.inventory: not a subgraph');
    const unset = configFile('JWT_SECRET: ${NOT_SET_ANYWHERE}\n');
    expect(() => loadConfig({ CONFIG_FILE: unset })).toThrow(
      `${unset}: JWT_SECRET: \${NOT_SET_ANYWHERE} names an environment variable that is not set`,
    );
    const nested = configFile('GATEWAY_MAX_COST: { much: 1 }\n');
    expect(() => loadConfig({ CONFIG_FILE: nested })).toThrow(`${nested}: GATEWAY_MAX_COST:`);
  });
});
