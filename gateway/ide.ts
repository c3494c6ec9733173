/**
 * The GraphQL IDE on GET /graphql from a browser: GraphiQL, served with its React runtime from
 * this gateway's own node_modules (no CDN: it works offline and behind a closed firewall). In
 * development the headers editor starts with a token for the dev user, so the first query runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import type { PlatformConfig } from '../platform/config';
import { fromRoot } from '../platform/paths';

export interface IdeOptions {
  /** Path of the GraphQL endpoint the IDE talks to (same origin). */
  endpoint: string;
  /** A token to prefill as the Authorization header (development only); minted per page load. */
  devToken?: () => Promise<string>;
}

const DEFAULT_QUERY = `# Runs as the dev user when the Authorization header below is set.
{
  me {
    name
    recommendations(first: 5) { score reason product { name price { amount currency } } }
  }
  products(first: 5) { edges { node { name category price { amount currency } stock } } }
}
`;

/** The gateway's IDE settings from the platform configuration (undefined: no IDE). */
export function ideFromConfig(config: Pick<PlatformConfig, 'ide' | 'devUserId'>): { devUserId?: string } | undefined {
  if (!config.ide.enabled) return undefined;
  return { devUserId: config.ide.prefillDevToken ? config.devUserId : undefined };
}

const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));

/** The browser build of graphql-ws that the IDE and the dashboard import. */
export const graphqlWsBrowserDir = () => path.dirname(require.resolve('graphql-ws/client'));

export function serveIde(app: express.Express, options: IdeOptions): void {
  const template = fs.readFileSync(fromRoot('gateway', 'ide', 'index.html'), 'utf8');
  app.use('/ide/vendor/graphiql', express.static(packageDir('graphiql'), { index: false }));
  app.use('/ide/vendor/react', express.static(path.join(packageDir('react'), 'umd'), { index: false }));
  app.use('/ide/vendor/react-dom', express.static(path.join(packageDir('react-dom'), 'umd'), { index: false }));
  app.use('/ide/vendor/graphql-ws', express.static(graphqlWsBrowserDir(), { index: false }));
  app.get('/ide/ide.js', (_req, res) => res.sendFile(fromRoot('gateway', 'ide', 'ide.js')));

  app.get(options.endpoint, async (req, res, next) => {
    // Only a browser asking for a page gets the IDE; GET queries and API clients go on to GraphQL.
    if (req.query.query !== undefined || req.accepts(['application/json', 'text/html']) !== 'text/html') {
      next();
      return;
    }
    try {
      const token = await options.devToken?.();
      const config = {
        endpoint: options.endpoint,
        defaultQuery: DEFAULT_QUERY,
        defaultHeaders: token ? JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2) : undefined,
      };
      // '<' escaped so no value can close the JSON script element.
      const html = template.replace('__IDE_CONFIG__', JSON.stringify(config).replace(/</g, '\\u003c'));
      res.type('html').set('Cache-Control', 'no-store').send(html);
    } catch (error) {
      next(error);
    }
  });
}
