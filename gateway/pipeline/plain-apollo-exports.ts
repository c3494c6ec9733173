/**
 * Imported before anything loads @apollo/gateway: puts a copy of @apollo/federation-internals'
 * exports with plain data properties in the module cache, so the gateway's executor reads them as
 * fields.
 *
 * Why: the package re-exports its modules through TypeScript's `__exportStar`, which turns every
 * export into an accessor (`get: () => m[k]`). Apollo's plan executor and result shaping call
 * several of them per field of an answer, and as all the accessors share one function, its keyed
 * load goes megamorphic: a CPU profile of the federation benchmark (`npm run bench -- federation`)
 * put 7% of the gateway's time in that one getter. The values are the same objects (the package
 * assigns its exports only while it loads), so nothing else changes. Modules that loaded the
 * package before this ran keep the accessors and work as before; a module system without
 * `require.cache` (jest's sandbox) is left alone.
 */
import * as federationInternals from '@apollo/federation-internals';

const FLATTENED: Record<string, object> = { '@apollo/federation-internals': federationInternals };

for (const [name, loaded] of Object.entries(FLATTENED) as [string, Record<string, unknown>][]) {
  const entry = require.cache[require.resolve(name)];
  if (entry?.exports === loaded) {
    const plain: Record<string, unknown> = {};
    for (const key of Object.keys(loaded)) plain[key] = loaded[key];
    Object.defineProperty(plain, '__esModule', { value: true });
    entry.exports = plain;
  }
}
