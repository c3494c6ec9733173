/**
 * The gateway knows the subgraphs only through the committed supergraph and HTTP: its entry's
 * module graph reaches no subgraph, database or inference code. (CI's production-shape check
 * also asks the running gateway process which modules it loaded.) Inside, it is a pipeline of
 * plugins: gateway/pipeline/ (the plugin shape, the request state, the runner, and the one
 * adapter over Apollo's internals), gateway/plugins/<phase>/ (one concern each), and the host
 * that assembles them (server.ts, partner.ts, subscriptions/). eslint.config.mjs holds the
 * import rules between these parts; this test holds the layout.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { projectRoot } from '../platform/paths';

/** Every project file and package the module at `entry` loads, following project imports. */
function moduleGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [path.resolve(entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (specifier.startsWith('.')) {
        // A dynamic import names the compiled file ('./sdk.js', as Node resolves it); its source is the .ts beside it.
        const base = path.resolve(path.dirname(file), specifier.replace(/\.js$/, ''));
        const resolved = [`${base}.ts`, path.join(base, 'index.ts'), base].find(
          (candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile(),
        );
        if (!resolved) throw new Error(`${path.relative(projectRoot, file)} imports ${specifier}, which does not resolve`);
        if (resolved.endsWith('.ts')) pending.push(resolved);
      } else if (!specifier.startsWith('node:')) {
        packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);
      }
    }
  }
  return { files, packages };
}

describe('gateway boundaries', () => {
  const graph = moduleGraph(path.join(projectRoot, 'gateway', 'main.ts'));
  const projectFiles = [...graph.files].map((file) => path.relative(projectRoot, file));

  it('loads only gateway and platform code', () => {
    expect(projectFiles.filter((file) => !/^(gateway|platform)\//.test(file))).toEqual([]);
    expect(projectFiles).toContain('gateway/server.ts');
  });

  it('loads no database, ORM or subgraph framework', () => {
    const forbidden = [
      '@prisma/client',
      '@prisma/adapter-pg',
      '@electric-sql/pglite',
      'pglite-prisma-adapter',
      'pg',
      'type-graphql',
      'reflect-metadata',
      '@apollo/subgraph',
      'onnxruntime-node',
    ];
    expect([...graph.packages].filter((name) => forbidden.includes(name))).toEqual([]);
    expect(graph.packages).toContain('@apollo/gateway');
  });
});

/** Every TypeScript file under a gateway folder, relative to the project root. */
function tsFiles(folder: string): string[] {
  return fs
    .readdirSync(path.join(projectRoot, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join(folder, file));
}

describe('gateway layout', () => {
  it('shows its parts at the root: the host, the pipeline, the plugins, and what scripts and images expect there', () => {
    const root = fs.readdirSync(path.join(projectRoot, 'gateway')).filter((name) => !name.endsWith('.test.ts'));
    expect(root.sort()).toEqual(
      [
        'contracts',
        'dashboard',
        'ide',
        'ide.ts',
        'main.ts',
        'options-from-config.ts',
        'partner.ts',
        'pipeline',
        'plugins',
        'server.ts',
        'subscriptions',
        'supergraph.graphql',
        'supergraph.ts',
      ].sort(),
    );
  });

  it('groups plugins by the phase they hook into', () => {
    const phases = fs.readdirSync(path.join(projectRoot, 'gateway', 'plugins'));
    expect(
      phases.filter(
        (phase) => !['http', 'operation', 'plan', 'subgraph-fetch', 'subscription-event', 'response', 'examples'].includes(phase),
      ),
    ).toEqual([]);
  });

  it('reaches Apollo internals only through the adapter', () => {
    const steps = [...tsFiles('gateway/plugins'), ...tsFiles('gateway/subscriptions'), ...tsFiles('gateway/pipeline')].filter(
      (file) => !file.endsWith('.test.ts') && file !== path.join('gateway', 'pipeline', 'apollo-adapter.ts'),
    );
    const reaching = steps.filter((file) =>
      /^import (?!type )[^;]*from '@apollo\/(gateway|server|federation-internals)(\/[^']*)?'/m.test(
        fs.readFileSync(path.join(projectRoot, file), 'utf8'),
      ),
    );
    // The planner builds Apollo's query planner over the supergraph: public API, shared by the host and the steps.
    // list-sizes reads the supergraph's @listSize through federation-internals' public Supergraph API.
    // plain-apollo-exports must run before @apollo/gateway loads, so it cannot live in the adapter, which imports it.
    // The executor is Apollo's executeQueryPlan ported (its result shaping compiled): it runs on Apollo's operation model.
    expect(reaching.sort()).toEqual(
      ['executor/execute-plan.ts', 'executor/shape-response.ts', 'list-sizes.ts', 'plain-apollo-exports.ts', 'planner.ts'].map((file) =>
        path.join('gateway', 'pipeline', file),
      ),
    );
  });
});
