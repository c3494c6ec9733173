/**
 * Static checks of the Kubernetes manifests (no cluster, no kubectl here): every YAML document
 * under k8s/ parses; each kustomization is rendered by a small kustomize subset (resources,
 * components, strategic-merge and JSON 6902 patches, replicas, images, labels, replacements,
 * secretGenerator, local-config objects) and every rendered object is validated against the
 * Kubernetes schemas of `kubernetes-models`; then the wiring is checked: Service selectors and
 * target ports, env names known to platform/config.ts and platform/services.ts, secret keys,
 * probes, the overlays' promises (replicas, GPU, Triton), and who may connect to whom
 * (NetworkPolicies against the call graph in the code).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { PodMonitor, PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { loadConfig } from '../platform/config';
import { FEATURES } from '../platform/config/features';
import { SUBGRAPH_NAMES } from '../platform/services';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };
// Loose views of the objects we read (the schemas are enforced by kubernetes-models).
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are read as loose YAML and validated by kubernetes-models
type K8s = any;

const K8S_DIR = __dirname;
const ROOT = path.resolve(K8S_DIR, '..');
const rel = (file: string) => path.relative(ROOT, file);

const SUBGRAPHS = ['users', 'products', 'orders', 'payments', 'recommendations'] as const;
const SERVICES = ['gateway', ...SUBGRAPHS, 'inference'] as const;
const PORTS: Record<(typeof SERVICES)[number], number> = {
  gateway: 4000,
  users: 4001,
  products: 4002,
  orders: 4003,
  payments: 4004,
  recommendations: 4005,
  inference: 8000,
};
const ENTRY_POINTS: Record<(typeof SERVICES)[number], string> = {
  gateway: 'dist/gateway/main.js',
  ...(Object.fromEntries(SUBGRAPHS.map((n) => [n, `dist/subgraphs/${n}/index.js`])) as Record<(typeof SUBGRAPHS)[number], string>),
  inference: 'dist/inference/main.js',
};
/** The keys of the Secret `platform-secrets` (created out of band in production). */
const SECRET_KEYS = ['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'INTERNAL_SECRET'];
const OUR_IMAGE = /^(registry\.example\.com\/)?federation-platform(-cuda)?(:|@|$)/;

// ---------------------------------------------------------------- the env names the code reads

/** Every declared option, and each per-subgraph option's NAME__<SUBGRAPH>. */
function knownEnvNames(): Set<string> {
  const names = new Set<string>();
  for (const feature of FEATURES) {
    for (const [name, declared] of Object.entries(feature.options)) {
      names.add(name);
      if (declared.perSubgraph) for (const subgraph of SUBGRAPH_NAMES) names.add(`${name}__${subgraph.toUpperCase()}`);
    }
  }
  return names;
}

// ---------------------------------------------------------------- YAML files

function yamlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(entry.name) ? [full] : [];
  });
}

const parsed = new Map<string, Json[]>();
function docs(file: string): Json[] {
  let result = parsed.get(file);
  if (!result) {
    const all = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'));
    for (const doc of all) {
      if (doc.errors.length) throw new Error(`${rel(file)}: ${doc.errors.map((e) => e.message).join('; ')}`);
    }
    result = all.map((doc) => doc.toJS() as Json).filter((doc) => doc !== null && doc !== undefined);
    parsed.set(file, result);
  }
  return result;
}

// ---------------------------------------------------------------- a small kustomize

const clone = <T>(value: T): T => structuredClone(value);
const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Strategic merge, as far as these manifests need it: maps merge, lists of named items merge by name. */
function strategicMerge(base: Json, patch: Json): Json {
  if (isObj(base) && isObj(patch)) {
    const out: Obj = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      if (key === '$patch') continue;
      if (value === null) delete out[key];
      else out[key] = key in base ? strategicMerge(base[key], value) : clone(value);
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(patch) && patch.every((item) => isObj(item) && typeof item.name === 'string')) {
    const out = base.map((item) => clone(item));
    for (const item of patch as Obj[]) {
      const index = out.findIndex((existing) => isObj(existing) && existing.name === item.name);
      if (index >= 0) out[index] = strategicMerge(out[index], item);
      else out.push(clone(item));
    }
    return out;
  }
  return clone(patch);
}

function jsonPatch(target: Obj, ops: Obj[], where: string): void {
  for (const op of ops) {
    const parts = String(op.path)
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop()!;
    let node: Json = target;
    for (const part of parts) {
      node = Array.isArray(node) ? node[Number(part)] : isObj(node) ? node[part] : undefined!;
      if (node === undefined) throw new Error(`${where}: JSON patch path ${op.path} does not exist`);
    }
    if (Array.isArray(node)) {
      const index = last === '-' ? node.length : Number(last);
      if (op.op !== 'add' && !(index in node)) throw new Error(`${where}: JSON patch path ${op.path} does not exist`);
      if (op.op === 'remove') node.splice(index, 1);
      else node.splice(index, op.op === 'add' ? 0 : 1, clone(op.value));
    } else if (isObj(node)) {
      if (op.op !== 'add' && !(last in node)) throw new Error(`${where}: JSON patch path ${op.path} does not exist`);
      if (op.op === 'remove') delete node[last];
      else node[last] = clone(op.value);
    } else {
      throw new Error(`${where}: JSON patch path ${op.path} does not exist`);
    }
  }
}

const idOf = (obj: K8s) => `${obj.kind}/${obj.metadata?.name}`;

// ---------------------------------------------------------------- replacements

/**
 * kustomize's field path (kyaml SmarterPathSplitter): `.`-separated, `\.` is a dot inside a key,
 * a bracketed part keeps its dots (`[name=a.b]` matches list items, `[a.b]` is the key a.b).
 */
function fieldPathParts(fieldPath: string): string[] {
  const pieces: string[] = [];
  for (const piece of fieldPath.split('.')) {
    const last = pieces.length - 1;
    if (last >= 0 && pieces[last].endsWith('\\')) pieces[last] = `${pieces[last].slice(0, -1)}.${piece}`;
    else pieces.push(piece);
  }
  const parts: string[] = [];
  for (let i = 0; i < pieces.length; i++) {
    if (!pieces[i].startsWith('[') || pieces[i].endsWith(']')) {
      parts.push(pieces[i]);
      continue;
    }
    const bracketed = [pieces[i]];
    while (i < pieces.length - 1 && !pieces[i].endsWith(']')) bracketed.push(pieces[++i]);
    const joined = bracketed.join('.');
    parts.push(joined.includes('=') ? joined : joined.replace(/^\[+|\]+$/g, ''));
  }
  return parts;
}

interface Slot {
  holder: Obj | Json[];
  key: string | number;
}

/**
 * The nodes a target field path reaches (kyaml PathMatcher): keys, list indexes (out of range is an
 * error) and `[field=regex]` (every list item whose field matches, unanchored, as in kyaml). A key
 * that is absent reaches nothing. Wildcards and creating fields are left out: not used here.
 */
function slots(node: Json, parts: string[], where: string): Slot[] {
  const [part, ...rest] = parts;
  const found: Slot[] = [];
  if (/^\d+$/.test(part)) {
    if (!Array.isArray(node)) return [];
    const index = Number(part);
    if (index >= node.length) throw new Error(`${where}: index ${index} specified but only ${node.length} elements found`);
    found.push({ holder: node, key: index });
  } else if (part.startsWith('[') && part.endsWith(']')) {
    const [field, pattern] = part.slice(1, -1).split(/=(.*)/s);
    if (pattern === undefined) throw new Error(`${where}: list path element must contain fieldName=fieldValue`);
    if (!Array.isArray(node)) return [];
    const regex = new RegExp(pattern);
    node.forEach((item, index) => {
      const value = field === '' ? item : isObj(item) ? item[field] : undefined;
      if (value !== undefined && value !== null && !isObj(value) && !Array.isArray(value) && regex.test(String(value)))
        found.push({ holder: node, key: index });
    });
  } else if (part === '*' || part === '-') {
    throw new Error(`${where}: field path part ${part} is not supported by this renderer`);
  } else {
    if (!isObj(node) || !(part in node)) return [];
    found.push({ holder: node, key: part });
  }
  if (rest.length === 0) return found;
  return found.flatMap(({ holder, key }) => slots((holder as Record<string | number, Json>)[key], rest, where));
}

const isScalar = (value: Json): value is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof value);

/**
 * The new value of a target (kustomize's setTargetValue): with a delimiter, the source text
 * replaces the index-th part of the target's text (prefixed when index < 0, appended past the
 * end); a scalar target keeps its type, only the text is copied, so "4001" fills an integer field
 * as 4001 and a string field as "4001"; anything else is replaced by the source.
 */
function replacedValue(target: Json, source: Json, options: K8s, where: string): Json {
  let value = source;
  if (options?.delimiter) {
    if (!isScalar(target) || !isScalar(source)) throw new Error(`${where}: delimiter option can only be used with scalar nodes`);
    const parts = String(target).split(options.delimiter);
    const index = Number(options.index ?? 0);
    if (index < 0) parts.unshift(String(source));
    else if (index >= parts.length) parts.push(String(source));
    else parts[index] = String(source);
    value = parts.join(options.delimiter);
  }
  if (target === null) throw new Error(`${where}: a null target is not supported by this renderer`);
  if (!isScalar(target)) return clone(value);
  if (!isScalar(value)) throw new Error(`${where}: cannot put a map or list into the scalar field`);
  const text = String(value);
  if (typeof target === 'string') return text;
  if (typeof target === 'number') {
    if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Error(`${where}: ${JSON.stringify(text)} in a number field`);
    return Number(text);
  }
  if (text !== 'true' && text !== 'false') throw new Error(`${where}: ${JSON.stringify(text)} in a boolean field`);
  return text === 'true';
}

/** kustomize's ResId.IsSelectedBy for the selector fields used here (empty fields match anything). */
function selects(selector: K8s, obj: K8s, where: string): boolean {
  const unsupported = Object.keys(selector).filter((key) => !['group', 'version', 'kind', 'name'].includes(key));
  if (unsupported.length) throw new Error(`${where}: selector fields ${unsupported.join(', ')} are not supported by this renderer`);
  const apiVersion = String(obj.apiVersion);
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return (
    (!selector.group || selector.group === group) &&
    (!selector.version || selector.version === version) &&
    (!selector.kind || selector.kind === obj.kind) &&
    (!selector.name || selector.name === obj.metadata?.name)
  );
}

/**
 * One entry of `replacements:` (api/filters/replacement): the value at `source.fieldPath`
 * (default metadata.name) of the one object the source selects goes into every `fieldPaths` of
 * every object each target selects, target by target in order. Stricter than kustomize, which skips
 * a target that selects nothing or a field path that reaches nothing: both fail here, so a stale
 * selector (e.g. a name an earlier replacement changed) cannot pass unnoticed.
 */
function replace(objects: K8s[], replacement: K8s, where: string): void {
  const { source, targets } = replacement;
  if (replacement.path || replacement.sourceValue !== undefined || source?.options)
    throw new Error(`${where}: only inline replacements with a plain source are supported by this renderer`);
  if (!source || !targets) throw new Error(`${where}: replacements must specify a source and at least one target`);
  const { fieldPath = 'metadata.name', ...sourceSelector } = source;
  const sources = objects.filter((obj) => selects(sourceSelector, obj, where));
  if (sources.length !== 1) throw new Error(`${where}: the source selects ${sources.length} objects, not 1`);
  // kyaml Lookup: keys and list indexes (list matching is not used for sources here).
  let value: Json | undefined = sources[0];
  for (const part of fieldPathParts(fieldPath)) {
    if (part.startsWith('[')) throw new Error(`${where}: list matching in a source field path is not supported by this renderer`);
    value = Array.isArray(value) && /^\d+$/.test(part) ? value[Number(part)] : isObj(value) ? value[part] : undefined;
  }
  if (value === undefined || value === null || (typeof value === 'object' && Object.keys(value).length === 0))
    throw new Error(`${where}: fieldPath ${fieldPath} is missing for the replacement source`);
  for (const [t, target] of (targets as K8s[]).entries()) {
    const twhere = `${where}.targets[${t}]`;
    if (!target.select) throw new Error(`${twhere}: target must specify resources to select`);
    if (target.reject || target.options?.create) throw new Error(`${twhere}: reject and create are not supported by this renderer`);
    const selected = objects.filter((obj) => selects(target.select, obj, twhere));
    if (selected.length === 0) throw new Error(`${twhere}: selects no object`);
    for (const obj of selected) {
      for (const targetPath of (target.fieldPaths ?? ['metadata.name']) as string[]) {
        const found = slots(obj, fieldPathParts(targetPath), `${twhere} ${idOf(obj)} ${targetPath}`);
        if (found.length === 0) throw new Error(`${twhere}: ${targetPath} reaches nothing in ${idOf(obj)}`);
        for (const { holder, key } of found) {
          const current = (holder as Record<string | number, Json>)[key];
          (holder as Record<string | number, Json>)[key] = replacedValue(current, value, target.options, `${twhere} ${targetPath}`);
        }
      }
    }
  }
}

interface Rendered {
  objects: K8s[];
  /** Secrets made by a secretGenerator (kustomize suffixes their names with a hash). */
  generated: Set<string>;
}

const rendered = new Map<string, Rendered>();
const usedFiles = new Set<string>();

/**
 * `kustomize build dir`. Objects annotated config.kubernetes.io/local-config (unless "false") only
 * feed the build, e.g. as replacement sources; kustomize drops them at the very end, never from a
 * base or component on the way.
 */
function render(dir: string): Rendered {
  const { objects, generated } = accumulate(dir);
  const local = (obj: K8s) => {
    const value = obj.metadata?.annotations?.['config.kubernetes.io/local-config'];
    return value !== undefined && value !== 'false';
  };
  return { objects: objects.filter((obj) => !local(obj)), generated };
}

/**
 * One kustomization in kustomize's order (api/internal/target/kusttarget.go, v5.1+): resources,
 * generators, components, then the transformers. A Component (kind Component) has no result of its
 * own: it is applied to `parent`, what the kustomization listing it has accumulated so far.
 */
function accumulate(dir: string, parent?: Rendered): Rendered {
  const cached = parent ? undefined : rendered.get(dir);
  if (cached) return { objects: clone(cached.objects), generated: new Set(cached.generated) };
  const kfile = path.join(dir, 'kustomization.yaml');
  if (!fs.existsSync(kfile)) throw new Error(`${rel(dir)} has no kustomization.yaml`);
  usedFiles.add(kfile);
  const k = docs(kfile)[0] as K8s;
  // kustomize refuses a Component among resources and a Kustomization among components.
  expect([rel(kfile), k.apiVersion, k.kind]).toEqual(
    parent
      ? [rel(kfile), 'kustomize.config.k8s.io/v1alpha1', 'Component']
      : [rel(kfile), 'kustomize.config.k8s.io/v1beta1', 'Kustomization'],
  );
  let objects: K8s[] = parent?.objects ?? [];
  const generated = parent?.generated ?? new Set<string>();

  for (const resource of (k.resources ?? []) as string[]) {
    const full = path.resolve(dir, resource);
    if (!fs.existsSync(full)) throw new Error(`${rel(kfile)}: resource ${resource} does not exist`);
    if (fs.statSync(full).isDirectory()) {
      const sub = accumulate(full);
      objects.push(...sub.objects);
      sub.generated.forEach((name) => generated.add(name));
    } else {
      usedFiles.add(full);
      objects.push(...docs(full).map((doc) => clone(doc)));
    }
  }
  for (const gen of (k.secretGenerator ?? []) as K8s[]) {
    const data: Record<string, string> = {};
    for (const literal of (gen.literals ?? []) as string[]) {
      const eq = literal.indexOf('=');
      data[literal.slice(0, eq)] = Buffer.from(literal.slice(eq + 1)).toString('base64');
    }
    // An env file of secrets is the operator's own and never committed (k8s/overlays/dev/secrets.env):
    // the committed example beside it stands in, so the render never depends on one machine's secrets.
    for (const file of (gen.envs ?? []) as string[]) {
      const example = path.resolve(dir, `${file}.example`);
      if (!fs.existsSync(example)) throw new Error(`${rel(kfile)}: secretGenerator env file ${file} has no ${file}.example`);
      for (const line of fs.readFileSync(example, 'utf8').split('\n')) {
        const text = line.trim();
        if (text === '' || text.startsWith('#')) continue;
        const eq = text.indexOf('=');
        data[text.slice(0, eq)] = Buffer.from(text.slice(eq + 1)).toString('base64');
      }
    }
    for (const file of (gen.files ?? []) as string[]) {
      const [key, source = key] = file.split('=');
      const full = path.resolve(dir, source);
      if (!fs.existsSync(full)) throw new Error(`${rel(kfile)}: secretGenerator file ${source} does not exist`);
      data[path.basename(key)] = fs.readFileSync(full).toString('base64');
    }
    objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: gen.name }, type: gen.type ?? 'Opaque', data });
    generated.add(gen.name);
  }
  for (const component of (k.components ?? []) as string[]) {
    const full = path.resolve(dir, component);
    if (!fs.existsSync(full) || !fs.statSync(full).isDirectory()) throw new Error(`${rel(kfile)}: component ${component} is no directory`);
    ({ objects } = accumulate(full, { objects, generated }));
  }
  for (const entry of (k.patches ?? []) as K8s[]) {
    const where = `${rel(kfile)}: patch ${entry.path ?? '(inline)'}`;
    let patch: Json;
    if (entry.path) {
      const full = path.resolve(dir, entry.path);
      if (!fs.existsSync(full)) throw new Error(`${where} does not exist`);
      usedFiles.add(full);
      const all = docs(full);
      expect(all).toHaveLength(1);
      patch = all[0];
    } else {
      patch = YAML.parse(entry.patch) as Json;
    }
    const target = entry.target ?? { kind: (patch as K8s).kind, name: (patch as K8s).metadata?.name };
    const matches = objects.filter(
      (obj) =>
        obj.kind === target.kind &&
        obj.metadata?.name === target.name &&
        (!target.group || String(obj.apiVersion).startsWith(`${target.group}/`)),
    );
    if (matches.length !== 1) throw new Error(`${where} targets ${target.kind}/${target.name}, which the kustomization does not contain`);
    if (Array.isArray(patch)) {
      jsonPatch(matches[0], patch as Obj[], where);
    } else if ((patch as K8s).$patch === 'delete') {
      objects = objects.filter((obj) => obj !== matches[0]);
    } else {
      const merged = strategicMerge(matches[0], patch);
      objects = objects.map((obj) => (obj === matches[0] ? merged : obj));
    }
  }
  for (const { name, count } of (k.replicas ?? []) as K8s[]) {
    const deployment = objects.find((obj) => obj.kind === 'Deployment' && obj.metadata.name === name);
    if (!deployment) throw new Error(`${rel(kfile)}: replicas for ${name}, which the kustomization does not contain`);
    deployment.spec.replicas = count;
  }
  for (const image of (k.images ?? []) as K8s[]) {
    for (const obj of objects.filter((o) => o.kind === 'Deployment')) {
      for (const container of [...obj.spec.template.spec.containers, ...(obj.spec.template.spec.initContainers ?? [])]) {
        const [name] = String(container.image).split(/[:@]/);
        if (name !== image.name) continue;
        const newName = image.newName ?? name;
        container.image = image.digest ? `${newName}@${image.digest}` : `${newName}:${image.newTag ?? 'latest'}`;
      }
    }
  }
  for (const { pairs, includeSelectors, includeTemplates } of (k.labels ?? []) as K8s[]) {
    expect(includeSelectors).toBe(false); // selectors are immutable: never change them by a label transformer
    for (const obj of objects) {
      obj.metadata.labels = { ...obj.metadata.labels, ...pairs };
      if (includeTemplates && obj.spec?.template?.metadata)
        obj.spec.template.metadata.labels = { ...obj.spec.template.metadata.labels, ...pairs };
    }
  }
  // Last, as kustomize runs its builtin transformers.
  for (const [i, replacement] of ((k.replacements ?? []) as K8s[]).entries()) {
    replace(objects, replacement, `${rel(kfile)}: replacements[${i}]`);
  }
  const ids = objects.map(idOf);
  expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  if (!parent) rendered.set(dir, { objects: clone(objects), generated: new Set(generated) });
  return { objects, generated };
}

// ---------------------------------------------------------------- schema validation

const MODELS: Record<string, new (data: K8s) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'networking.k8s.io/v1/Ingress': Ingress,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
  'monitoring.coreos.com/v1/PodMonitor': PodMonitor,
};

function validate(obj: K8s, where: string): void {
  const Model = MODELS[`${obj.apiVersion}/${obj.kind}`];
  if (!Model) throw new Error(`${where}: no schema for ${obj.apiVersion} ${obj.kind}`);
  try {
    new Model(obj).validate();
  } catch (error) {
    throw new Error(`${where}: ${idOf(obj)} is invalid: ${(error as Error).message}`, { cause: error });
  }
}

// ---------------------------------------------------------------- wiring checks

const byKind = (objects: K8s[], kind: string): K8s[] => objects.filter((obj) => obj.kind === kind);
const get = (objects: K8s[], kind: string, name: string): K8s => {
  const found = objects.find((obj) => obj.kind === kind && obj.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} not found`);
  return found;
};
const containersOf = (deployment: K8s): K8s[] => [
  ...deployment.spec.template.spec.containers,
  ...(deployment.spec.template.spec.initContainers ?? []),
];
const matchesLabels = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);

/** NODE_ENV by overlay: development only where the overlay is for development. */
const NODE_ENV: Record<string, string> = { 'overlays/dev': 'development' };

function checkWiring(name: string, { objects, generated }: Rendered, envNames: Set<string>): void {
  const deployments = byKind(objects, 'Deployment');
  const configMaps = byKind(objects, 'ConfigMap');
  const secrets = byKind(objects, 'Secret');

  for (const obj of objects) validate(obj, name);

  // Every service: a Deployment and a Service of the same name.
  for (const service of SERVICES) {
    get(objects, 'Deployment', service);
    get(objects, 'Service', service);
  }

  for (const svc of byKind(objects, 'Service')) {
    const where = `${name}: Service/${svc.metadata.name}`;
    const selector = svc.spec.selector ?? {};
    const targets = deployments.filter((d) => matchesLabels(selector, d.spec.template.metadata.labels));
    if (targets.length !== 1) throw new Error(`${where}: selector ${JSON.stringify(selector)} matches ${targets.length} Deployments`);
    const ports = containersOf(targets[0]).flatMap((c) => c.ports ?? []);
    for (const port of svc.spec.ports) {
      if (typeof port.targetPort !== 'string') throw new Error(`${where}: port ${port.port} must target a named containerPort`);
      if (!ports.some((p: K8s) => p.name === port.targetPort))
        throw new Error(`${where}: targetPort ${port.targetPort} is no containerPort of ${targets[0].metadata.name}`);
    }
  }

  for (const d of deployments) {
    const where = `${name}: Deployment/${d.metadata.name}`;
    const pod = d.spec.template.spec;
    if (!matchesLabels(d.spec.selector.matchLabels, d.spec.template.metadata.labels))
      throw new Error(`${where}: selector does not match its pod labels`);
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
    const volumes = new Map<string, K8s>((pod.volumes ?? []).map((v: K8s) => [v.name, v]));
    for (const volume of volumes.values()) {
      if (volume.persistentVolumeClaim) get(objects, 'PersistentVolumeClaim', volume.persistentVolumeClaim.claimName);
    }
    for (const c of containersOf(d)) {
      const cwhere = `${where} container ${c.name}`;
      expect([
        cwhere,
        c.resources?.requests?.cpu && c.resources?.requests?.memory && c.resources?.limits?.memory ? 'ok' : 'missing',
      ]).toEqual([cwhere, 'ok']);
      expect([cwhere, c.securityContext?.allowPrivilegeEscalation]).toEqual([cwhere, false]);
      for (const mount of c.volumeMounts ?? []) {
        if (!volumes.has(mount.name)) throw new Error(`${cwhere}: mounts unknown volume ${mount.name}`);
      }
      // A plain init container runs to completion before the pod starts: Kubernetes allows it no probes.
      if ((pod.initContainers ?? []).includes(c) && c.restartPolicy !== 'Always') continue;
      const portNames = new Set((c.ports ?? []).map((p: K8s) => p.name));
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        if (!c[probe]) throw new Error(`${cwhere}: no ${probe}`);
        if (!portNames.has(c[probe].httpGet?.port)) throw new Error(`${cwhere}: ${probe} must use a named containerPort`);
      }
      if (!OUR_IMAGE.test(c.image)) continue;

      // Our image: entry point, probes, read-only root with a writable /tmp, env the code reads.
      const service = d.metadata.name as (typeof SERVICES)[number];
      expect([cwhere, c.args]).toEqual([cwhere, [ENTRY_POINTS[service]]]);
      expect(fs.existsSync(path.join(ROOT, ENTRY_POINTS[service].replace(/^dist\//, '').replace(/\.js$/, '.ts')))).toBe(true);
      expect(c.ports.find((p: K8s) => p.name === 'http')?.containerPort).toBe(PORTS[service]);
      const [live, ready] = service === 'inference' ? ['/v2/health/live', '/v2/health/ready'] : ['/healthz', '/readyz'];
      expect([cwhere, c.livenessProbe.httpGet.path, c.readinessProbe.httpGet.path]).toEqual([cwhere, live, ready]);
      expect([cwhere, c.securityContext.readOnlyRootFilesystem]).toEqual([cwhere, true]);
      const tmp = (c.volumeMounts ?? []).find((m: K8s) => m.mountPath === '/tmp');
      expect([cwhere, tmp && volumes.get(tmp.name)?.emptyDir ? 'emptyDir' : 'none']).toEqual([cwhere, 'emptyDir']);

      const names: string[] = [];
      for (const from of c.envFrom ?? []) {
        if (!from.configMapRef) throw new Error(`${cwhere}: envFrom other than a ConfigMap`);
        const cm = get(configMaps, 'ConfigMap', from.configMapRef.name);
        names.push(...Object.keys(cm.data ?? {}));
      }
      for (const env of c.env ?? []) {
        names.push(env.name);
        const ref = env.valueFrom?.secretKeyRef;
        if (ref) {
          expect([cwhere, ref.name, SECRET_KEYS.includes(ref.key)]).toEqual([cwhere, 'platform-secrets', true]);
          const secret = secrets.find((s) => s.metadata.name === ref.name);
          if (secret && !ref.optional)
            expect([cwhere, Object.keys(secret.data ?? secret.stringData ?? {})]).toEqual([cwhere, expect.arrayContaining([ref.key])]);
          if (generated.size > 0) expect(generated.has(ref.name)).toBe(true);
        } else if (env.valueFrom) {
          throw new Error(`${cwhere}: env ${env.name} comes from neither a value nor platform-secrets`);
        }
      }
      const unknown = names.filter((n) => !envNames.has(n));
      expect([cwhere, unknown]).toEqual([cwhere, []]);
      // Secrets only ever come from the Secret, never from plain values or the ConfigMap.
      for (const secretName of SECRET_KEYS) {
        const direct = (c.env ?? []).find((e: K8s) => e.name === secretName);
        if (direct) expect([cwhere, secretName, direct.valueFrom?.secretKeyRef?.key]).toEqual([cwhere, secretName, secretName]);
      }
      // NODE_ENV=production refuses to start without these.
      expect([cwhere, names]).toEqual([cwhere, expect.arrayContaining(['NODE_ENV', 'HOST', 'INTERNAL_SECRET', 'JWT_SECRET'])]);
      if (SUBGRAPHS.includes(service as (typeof SUBGRAPHS)[number]))
        expect([cwhere, names]).toEqual([cwhere, expect.arrayContaining(['DATABASE_URL', 'REDIS_URL'])]);
    }
  }

  // The ConfigMap's URLs name Services and ports that exist.
  const config = get(configMaps, 'ConfigMap', 'platform-config').data as Record<string, string>;
  expect(config.HOST).toBe('0.0.0.0');
  expect([name, config.NODE_ENV]).toEqual([name, NODE_ENV[name] ?? 'production']);
  for (const [key, value] of Object.entries(config)) {
    if (!key.endsWith('_URL')) continue;
    const url = new URL(value);
    const svc = get(objects, 'Service', url.hostname);
    expect([key, svc.spec.ports.some((p: K8s) => p.port === Number(url.port))]).toEqual([key, true]);
    if (key !== 'INFERENCE_URL') expect([key, url.pathname]).toEqual([key, '/graphql']);
  }
  for (const service of SERVICES) {
    expect([service, config[`${service.toUpperCase()}_PORT`]]).toEqual([service, String(PORTS[service])]);
  }
  expect(config.INFERENCE_URL).toBe('http://inference:8000');

  // An Ingress sends traffic to Services and named ports that exist.
  for (const ingress of byKind(objects, 'Ingress')) {
    for (const rule of ingress.spec.rules ?? []) {
      for (const { backend } of rule.http.paths as K8s[]) {
        const where = `${name}: Ingress/${ingress.metadata.name} → ${backend.service.name}`;
        const svc = get(objects, 'Service', backend.service.name);
        expect([where, svc.spec.ports.some((p: K8s) => p.name === backend.service.port.name)]).toEqual([where, true]);
      }
    }
  }

  for (const hpa of byKind(objects, 'HorizontalPodAutoscaler')) {
    get(objects, hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name);
    expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
  }
  for (const pdb of byKind(objects, 'PodDisruptionBudget')) {
    const targets = deployments.filter((d) => matchesLabels(pdb.spec.selector.matchLabels, d.spec.template.metadata.labels));
    expect([pdb.metadata.name, targets.length]).toEqual([pdb.metadata.name, 1]);
  }

  checkNetworkPolicies(name, objects);
  checkUsersEgress(name, objects);
}

// ---------------------------------------------------------------- who may connect to whom

/** The monitoring namespace label Prometheus's namespace carries (k8s/README.md). */
const MONITORING = { 'federation-platform/monitoring': 'true' };

/**
 * Who is meant to reach each service: the gateway every subgraph; services the subgraphs they
 * call (the test below finds those calls in the code); Prometheus everything it scrapes.
 */
const INTENDED_CALLERS: Record<Exclude<(typeof SERVICES)[number], 'gateway'>, string[]> = {
  users: ['gateway', 'monitoring'],
  products: ['gateway', 'monitoring', 'orders', 'recommendations'],
  orders: ['gateway', 'monitoring', 'payments'],
  payments: ['gateway', 'monitoring'],
  recommendations: ['gateway', 'monitoring'],
  inference: ['monitoring', 'recommendations'],
};

/** A Kubernetes LabelSelector (matchLabels and the In/NotIn/Exists/DoesNotExist expressions) against labels. */
function labelSelectorMatches(selector: K8s, labels: Record<string, string> = {}): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpressions = ((selector.matchExpressions ?? []) as K8s[]).every(({ key, operator, values = [] }) => {
    if (operator === 'In') return key in labels && values.includes(labels[key]);
    if (operator === 'NotIn') return !(key in labels) || !values.includes(labels[key]);
    if (operator === 'Exists') return key in labels;
    if (operator === 'DoesNotExist') return !(key in labels);
    throw new Error(`unknown selector operator ${operator}`);
  });
  return byLabels && byExpressions;
}

/**
 * For every subgraph and the inference server: at least one policy selects its pods, and the
 * peers all selecting policies let in (pods of this namespace by their Deployment, or the
 * monitoring namespace) are exactly the intended callers, on named ports the pod has.
 */
function checkNetworkPolicies(name: string, objects: K8s[]): void {
  const deployments = byKind(objects, 'Deployment');
  const policies = byKind(objects, 'NetworkPolicy');
  for (const [service, intended] of Object.entries(INTENDED_CALLERS)) {
    const where = `${name}: ${service}`;
    const deployment = get(objects, 'Deployment', service);
    const podLabels = deployment.spec.template.metadata.labels;
    const portNames = new Set(containersOf(deployment).flatMap((c) => (c.ports ?? []).map((p: K8s) => p.name)));
    // Egress-only policies (users-egress.yaml) are checked by checkUsersEgress.
    const selecting = policies.filter(
      (policy) => labelSelectorMatches(policy.spec.podSelector, podLabels) && (policy.spec.policyTypes ?? ['Ingress']).includes('Ingress'),
    );
    expect([where, selecting.length > 0]).toEqual([where, true]);
    const callers = new Set<string>();
    for (const policy of selecting) {
      const pwhere = `${where} NetworkPolicy/${policy.metadata.name}`;
      expect([pwhere, policy.spec.policyTypes]).toEqual([pwhere, expect.arrayContaining(['Ingress'])]);
      for (const rule of policy.spec.ingress ?? []) {
        // A rule without `from` or without `ports` lets everyone in, or onto every port.
        expect([pwhere, Array.isArray(rule.from) && rule.from.length > 0, Array.isArray(rule.ports) && rule.ports.length > 0]).toEqual([
          pwhere,
          true,
          true,
        ]);
        const ports = (rule.ports as K8s[]).map((p) => p.port);
        // Named ports only, and at least one the pod has (Triton's `metrics` exists only in that overlay).
        expect([pwhere, ports.every((p) => typeof p === 'string'), ports.some((p) => portNames.has(p))]).toEqual([pwhere, true, true]);
        for (const peer of rule.from as K8s[]) {
          if (peer.ipBlock) throw new Error(`${pwhere}: ipBlock peers are not allowed`);
          if (peer.namespaceSelector) {
            expect([pwhere, peer.namespaceSelector, peer.podSelector]).toEqual([pwhere, { matchLabels: MONITORING }, undefined]);
            callers.add('monitoring');
            continue;
          }
          const matched = deployments.filter((d) => labelSelectorMatches(peer.podSelector, d.spec.template.metadata.labels));
          expect([pwhere, matched.length > 0]).toEqual([pwhere, true]);
          for (const d of matched) callers.add(d.metadata.name);
        }
      }
    }
    expect([where, [...callers].sort()]).toEqual([where, [...intended].sort()]);
  }
}

// ---------------------------------------------------------------- where the users pods may connect

/** Ranges the users pods (which POST partner webhooks) must never reach, with a sample address in each. */
const CLUSTER_RANGES: [cidr: string, sample: string][] = [
  ['10.0.0.0/8', '10.0.0.5'],
  ['172.16.0.0/12', '172.20.1.1'],
  ['192.168.0.0/16', '192.168.1.10'],
  ['169.254.0.0/16', '169.254.169.254'],
  ['127.0.0.0/8', '127.0.0.1'],
  ['100.64.0.0/10', '100.64.0.1'],
  ['::1/128', '::1'],
  ['fc00::/7', 'fd00::1'],
  ['fe80::/10', 'fe80::1'],
  ['::ffff:0:0/96', '::ffff:a00:5'],
];
const PUBLIC_SAMPLES = ['93.184.216.34', '2606:4700::1111'];

/** Whether an ipBlock peer lets `address` through (its cidr holds it and no `except` does). */
function ipBlockAllows(block: { cidr: string; except?: string[] }, address: string): boolean {
  const family = net.isIP(address) === 6 ? 'ipv6' : 'ipv4';
  const inRange = (cidr: string) => {
    const [subnet, prefix] = cidr.split('/');
    if ((net.isIP(subnet) === 6 ? 'ipv6' : 'ipv4') !== family) return false;
    const list = new net.BlockList();
    list.addSubnet(subnet, Number(prefix), family);
    return list.check(address, family);
  };
  return inRange(block.cidr) && !(block.except ?? []).some(inRange);
}

/**
 * The users pods' egress (k8s/base/users-egress.yaml): some Egress policy selects them; taken
 * together, the rules reach DNS in kube-system, Postgres and Redis in the namespace, and public
 * addresses, but no address in the cluster's ranges on any port.
 */
function checkUsersEgress(name: string, objects: K8s[]): void {
  const where = `${name}: users egress`;
  const podLabels = get(objects, 'Deployment', 'users').spec.template.metadata.labels;
  const policies = byKind(objects, 'NetworkPolicy').filter(
    (policy) => labelSelectorMatches(policy.spec.podSelector, podLabels) && (policy.spec.policyTypes ?? []).includes('Egress'),
  );
  expect([where, policies.length > 0]).toEqual([where, true]);
  const rules: K8s[] = policies.flatMap((policy) => policy.spec.egress ?? []);
  let dns = false;
  const inNamespacePorts = new Set<number>();
  const ipBlocks: K8s[] = [];
  for (const rule of rules) {
    // A rule without `to` reaches every address.
    expect([where, Array.isArray(rule.to) && rule.to.length > 0]).toEqual([where, true]);
    const ports = ((rule.ports ?? []) as K8s[]).map((p) => p.port);
    for (const peer of rule.to as K8s[]) {
      if (peer.ipBlock) {
        ipBlocks.push(peer.ipBlock);
        continue;
      }
      // Pods: kube-dns in kube-system on 53 only, or this namespace's pods on the database ports only.
      if (peer.namespaceSelector) {
        expect([where, peer.namespaceSelector, peer.podSelector, [...new Set(ports)]]).toEqual([
          where,
          { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
          { matchLabels: { 'k8s-app': 'kube-dns' } },
          [53],
        ]);
        dns ||= ((rule.ports ?? []) as K8s[]).some((p) => p.protocol === 'UDP');
        continue;
      }
      expect([where, ports.length > 0, ports.every((port) => port === 5432 || port === 6379)]).toEqual([where, true, true]);
      for (const port of ports) inNamespacePorts.add(port);
    }
  }
  expect([where, dns, [...inNamespacePorts].sort()]).toEqual([where, true, [5432, 6379]]);
  for (const [cidr, sample] of CLUSTER_RANGES) {
    expect([where, cidr, ipBlocks.some((block) => ipBlockAllows(block, sample))]).toEqual([where, cidr, false]);
  }
  for (const sample of PUBLIC_SAMPLES)
    expect([where, sample, ipBlocks.some((block) => ipBlockAllows(block, sample))]).toEqual([where, sample, true]);
}

// ---------------------------------------------------------------- tests

const OVERLAYS = ['base', 'overlays/dev', 'overlays/production', 'overlays/triton'];
/** Applied beside an overlay where the prometheus-operator and Grafana's sidecar run (k8s/README.md). */
const MONITORING_DIR = 'monitoring';

describe('k8s manifests', () => {
  const envNames = knownEnvNames();
  const builds = new Map<string, Rendered>();

  test('every YAML document under k8s/ parses', () => {
    const files = yamlFiles(K8S_DIR);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) expect(docs(file).length).toBeGreaterThan(0);
  });

  test.each(OVERLAYS)('%s renders: files exist, patches hit existing objects', (dir) => {
    builds.set(dir, render(path.join(K8S_DIR, dir)));
  });

  test('every YAML file belongs to some kustomization', () => {
    for (const dir of [...OVERLAYS, MONITORING_DIR]) render(path.join(K8S_DIR, dir));
    expect(
      yamlFiles(K8S_DIR)
        .filter((file) => !usedFiles.has(file))
        .map(rel),
    ).toEqual([]);
  });

  test('the env names the code reads are found', () => {
    for (const name of [
      'DATABASE_URL',
      'REDIS_URL',
      'INFERENCE_URL',
      'MODEL_REPOSITORY',
      'JWT_SECRET',
      'INTERNAL_SECRET',
      'HOST',
      'GATEWAY_PORT',
      'USERS_URL',
      'RECOMMENDATIONS_URL',
      'INFERENCE_EXECUTION_PROVIDERS',
    ]) {
      expect([name, envNames.has(name)]).toEqual([name, true]);
    }
    expect(envNames.has('NOT_A_SETTING')).toBe(false);
  });

  test.each(OVERLAYS)('%s: objects are valid and wired together', (dir) => {
    checkWiring(dir, builds.get(dir) ?? render(path.join(K8S_DIR, dir)), envNames);
  });

  test('base: gateway HPA and PDB, inference model repository on a volume', () => {
    const { objects } = render(path.join(K8S_DIR, 'base'));
    expect(get(objects, 'HorizontalPodAutoscaler', 'gateway').spec.scaleTargetRef.name).toBe('gateway');
    get(objects, 'PodDisruptionBudget', 'gateway');
    const inference = get(objects, 'Deployment', 'inference');
    const mount = inference.spec.template.spec.containers[0].volumeMounts.find((m: K8s) => m.mountPath === '/models');
    expect(mount).toBeDefined();
    expect(get(objects, 'ConfigMap', 'platform-config').data.MODEL_REPOSITORY).toBe('/models');
    // No Secret is defined in the base: only referenced.
    expect(byKind(objects, 'Secret')).toEqual([]);
  });

  test('base: each subgraph is the shared component with its own name, port, probes, env and labels', () => {
    const { objects } = render(path.join(K8S_DIR, 'base'));
    const secret = (key: string, optional?: true) => ({
      name: key,
      valueFrom: { secretKeyRef: { name: 'platform-secrets', key, ...(optional && { optional }) } },
    });
    const same: string[] = [];
    for (const name of SUBGRAPHS) {
      const port = PORTS[name];
      const labels = {
        'app.kubernetes.io/name': name,
        'app.kubernetes.io/component': 'subgraph',
        'app.kubernetes.io/part-of': 'federation-platform',
      };
      const deployment = get(objects, 'Deployment', name);
      expect([name, deployment.metadata]).toEqual([name, { name, labels }]);
      expect([name, deployment.spec.selector]).toEqual([name, { matchLabels: { 'app.kubernetes.io/name': name } }]);
      const annotations = { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': '/metrics' };
      expect([name, deployment.spec.template.metadata]).toEqual([name, { labels, annotations }]);
      const containers = deployment.spec.template.spec.containers;
      expect([name, containers.length]).toEqual([name, 1]);
      const { resources, securityContext, volumeMounts, ...container } = containers[0];
      expect([name, container]).toEqual([
        name,
        {
          name,
          image: 'federation-platform:latest',
          imagePullPolicy: 'IfNotPresent',
          args: [`dist/subgraphs/${name}/index.js`],
          ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
          envFrom: [{ configMapRef: { name: 'platform-config' } }],
          env: [secret('DATABASE_URL'), secret('REDIS_URL'), secret('JWT_SECRET', true), secret('INTERNAL_SECRET')],
          startupProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5, failureThreshold: 60 },
          livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
          readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
        },
      ]);
      expect([name, resources, securityContext, volumeMounts]).toEqual([
        name,
        { requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
        { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        [{ name: 'tmp', mountPath: '/tmp' }],
      ]);
      const service = get(objects, 'Service', name);
      expect([name, service.metadata, service.spec]).toEqual([
        name,
        { name, labels },
        {
          type: 'ClusterIP',
          selector: { 'app.kubernetes.io/name': name },
          ports: [{ name: 'http', port, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }],
        },
      ]);
      // Everything else (strategy, pod security, volumes…) is one definition: equal once the name
      // and port are blanked out.
      same.push(
        JSON.stringify([deployment, service])
          .replaceAll(`"${name}"`, '"<name>"')
          .replaceAll(`/${name}/`, '/<name>/')
          .replaceAll(String(port), '<port>'),
      );
    }
    expect(new Set(same).size).toBe(1);
    expect(same[0]).not.toMatch(/users|products|orders|payments|recommendations|400[1-5]/);
  });

  test('network policies let in exactly the services the code calls', () => {
    // Each subgraph's calls to another subgraph (ServiceClient.request(target, ...)) and to inference.
    const calls = new Map<string, Set<string>>();
    for (const service of SUBGRAPHS) {
      const dir = path.join(ROOT, 'subgraphs', service);
      // Recursive: a subgraph may keep its parts in folders (recommendations' transport/ makes its calls).
      for (const file of fs
        .readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
        const source = fs.readFileSync(path.join(dir, file), 'utf8');
        for (const m of source.matchAll(/\.request<[^;]*?>\(\s*'(\w+)'/g)) {
          calls.set(m[1], new Set([...(calls.get(m[1]) ?? []), service]));
        }
        if (/inferenceUrl/.test(source)) calls.set('inference', new Set([...(calls.get('inference') ?? []), service]));
      }
    }
    expect(calls.size).toBeGreaterThan(0);
    for (const [target, intended] of Object.entries(INTENDED_CALLERS)) {
      const fromCode = [...(calls.get(target) ?? [])].sort();
      const intendedServices = intended.filter((caller) => caller !== 'gateway' && caller !== 'monitoring').sort();
      expect([target, intendedServices]).toEqual([target, fromCode]);
    }
  });

  test('dev: one replica each, no autoscaler, NODE_ENV=development, its Secret from a gitignored file', () => {
    const { objects, generated } = render(path.join(K8S_DIR, 'overlays/dev'));
    for (const service of SERVICES) expect([service, get(objects, 'Deployment', service).spec.replicas]).toEqual([service, 1]);
    expect(byKind(objects, 'HorizontalPodAutoscaler')).toEqual([]);
    expect([...generated]).toEqual(['platform-secrets']);
    const config = get(objects, 'ConfigMap', 'platform-config').data as Record<string, string>;
    expect(config.NODE_ENV).toBe('development');
    // The Secret comes from secrets.env, which git never takes (the example stands in for it here).
    const kustomization = docs(path.join(K8S_DIR, 'overlays/dev/kustomization.yaml'))[0] as K8s;
    expect(kustomization.secretGenerator).toEqual([{ name: 'platform-secrets', type: 'Opaque', envs: ['secrets.env'] }]);
    expect(() => execFileSync('git', ['check-ignore', '-q', 'k8s/overlays/dev/secrets.env'], { cwd: ROOT })).not.toThrow();
    const data = get(objects, 'Secret', 'platform-secrets').data as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual([...SECRET_KEYS].sort());
    const decoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    expect(new URL(decoded.DATABASE_URL).hostname).toBe('postgres');
    expect(new URL(decoded.REDIS_URL).hostname).toBe('redis');
    // The example's secrets are marked: the services run on them as configured here, and refuse them in production.
    const env = { ...config, ...decoded };
    expect(loadConfig(env).usingDevSecrets).toBe(true);
    expect(() => loadConfig({ ...env, NODE_ENV: 'production' })).toThrow(/JWT_SECRET is a development value/);
    expect(() => loadConfig({ ...env, NODE_ENV: 'production', JWT_SECRET: 'a-real-one' })).toThrow(
      /INTERNAL_SECRET is a development value/,
    );
  });

  test('no kustomization commits a secret value: Secrets are generated from files git ignores, or made out of band', () => {
    for (const file of yamlFiles(K8S_DIR).filter((f) => path.basename(f) === 'kustomization.yaml')) {
      for (const generator of ((docs(file)[0] as K8s).secretGenerator ?? []) as K8s[]) {
        expect([rel(file), generator.literals, generator.files]).toEqual([rel(file), undefined, undefined]);
        for (const env of generator.envs as string[]) {
          const ignored = path.relative(ROOT, path.resolve(path.dirname(file), env));
          expect(() => execFileSync('git', ['check-ignore', '-q', ignored], { cwd: ROOT })).not.toThrow();
        }
      }
    }
    for (const dir of ['base', 'overlays/production', 'overlays/triton'])
      expect([dir, byKind(render(path.join(K8S_DIR, dir)).objects, 'Secret')]).toEqual([dir, []]);
  });

  test('production: ≥2 replicas, pinned images, inference on a GPU node', () => {
    const { objects } = render(path.join(K8S_DIR, 'overlays/production'));
    expect(byKind(objects, 'Secret')).toEqual([]);
    for (const service of ['gateway', ...SUBGRAPHS]) {
      expect([service, get(objects, 'Deployment', service).spec.replicas >= 2]).toEqual([service, true]);
    }
    expect(get(objects, 'HorizontalPodAutoscaler', 'gateway').spec.minReplicas).toBeGreaterThanOrEqual(2);
    for (const d of byKind(objects, 'Deployment')) {
      for (const c of containersOf(d)) expect(c.image).toMatch(/^registry\.example\.com\/federation-platform(-cuda)?:\d+\.\d+\.\d+$/);
    }
    const pod = get(objects, 'Deployment', 'inference').spec.template.spec;
    const container = pod.containers[0];
    expect(container.resources.limits['nvidia.com/gpu']).toBe(1);
    expect(container.image).toMatch(/federation-platform-cuda:/);
    expect(container.env).toEqual(expect.arrayContaining([{ name: 'INFERENCE_EXECUTION_PROVIDERS', value: 'cuda,webgpu,cpu' }]));
    expect(Object.keys(pod.nodeSelector ?? {})).not.toHaveLength(0);
    expect(pod.tolerations).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'nvidia.com/gpu' })]));
    // The strategic merge kept the base's env and mounts.
    expect(container.env.map((e: K8s) => e.name)).toEqual(expect.arrayContaining(['INTERNAL_SECRET', 'INFERENCE_EXECUTION_PROVIDERS']));
    expect(container.volumeMounts.map((m: K8s) => m.mountPath)).toEqual(expect.arrayContaining(['/models', '/tmp']));
  });

  test('triton: the inference Deployment runs tritonserver on the same Service and port', () => {
    const { objects } = render(path.join(K8S_DIR, 'overlays/triton'));
    const pod = get(objects, 'Deployment', 'inference').spec.template.spec;
    expect(pod.containers).toHaveLength(1);
    const triton = pod.containers[0];
    expect(triton.image).toMatch(/^nvcr\.io\/nvidia\/tritonserver:\d/);
    expect(triton.command).toEqual(['tritonserver']);
    // The repository is a subfolder of the volume: its root's lost+found is no model.
    expect(triton.args).toEqual(expect.arrayContaining(['--model-repository=/models/repository', '--http-port=8000']));
    expect(pod.initContainers.map((c: K8s) => c.args.join(' '))).toEqual([expect.stringContaining("mkdirSync('/models/repository'")]);
    // Models reach Triton through a Job in the project image on the inference pod's node (RWO volume).
    const publish = get(objects, 'Job', 'publish-models').spec.template.spec;
    expect(publish.containers[0].args).toEqual(['dist/training/cli.js', '--out', '/models/repository']);
    expect(publish.volumes.find((v: K8s) => v.name === 'model-repository').persistentVolumeClaim.claimName).toBe('model-repository');
    expect(publish.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
    expect(triton.ports.find((p: K8s) => p.name === 'http').containerPort).toBe(8000);
    expect(triton.volumeMounts.find((m: K8s) => m.name === 'model-repository').mountPath).toBe('/models');
    expect(triton.resources.limits['nvidia.com/gpu']).toBe(1);
    expect(get(objects, 'ConfigMap', 'platform-config').data.INFERENCE_URL).toBe('http://inference:8000');
    expect(
      get(objects, 'Service', 'inference')
        .spec.ports.map((p: K8s) => p.port)
        .sort(),
    ).toEqual([8000, 8001, 8002]);
    expect(triton.ports.find((p: K8s) => p.name === 'grpc').containerPort).toBe(8001);
  });

  test.each(OVERLAYS)("%s: the gateway's /metrics is on a port of its own, scraped there and open to Prometheus only", (dir) => {
    const { objects } = builds.get(dir) ?? render(path.join(K8S_DIR, dir));
    const metricsPort = get(objects, 'ConfigMap', 'platform-config').data.GATEWAY_METRICS_PORT;
    const deployment = get(objects, 'Deployment', 'gateway');
    const container = deployment.spec.template.spec.containers[0];
    const ports = Object.fromEntries(container.ports.map((p: K8s) => [p.name, p.containerPort]));
    expect(ports).toEqual({ http: PORTS.gateway, metrics: Number(metricsPort) });
    expect(ports.metrics).not.toBe(ports.http);
    expect(deployment.spec.template.metadata.annotations).toMatchObject({
      'prometheus.io/port': metricsPort,
      'prometheus.io/path': '/metrics',
    });
    // Probes stay on the public port (kubelet reaches it; /readyz reuses its verdict, so it is cheap).
    expect([container.readinessProbe.httpGet, container.livenessProbe.httpGet.port]).toEqual([{ path: '/readyz', port: 'http' }, 'http']);
    // The Service (what an ingress routes to) carries the public port only.
    expect(get(objects, 'Service', 'gateway').spec.ports.map((p: K8s) => p.targetPort)).toEqual(['http']);
    const rules = byKind(objects, 'NetworkPolicy')
      .filter((policy) => labelSelectorMatches(policy.spec.podSelector, deployment.spec.template.metadata.labels))
      .flatMap((policy) => policy.spec.ingress as K8s[]);
    const onMetrics = rules.filter((rule) => (rule.ports ?? []).some((p: K8s) => p.port === 'metrics' || p.port === Number(metricsPort)));
    expect(onMetrics).not.toHaveLength(0);
    for (const rule of onMetrics) expect(rule.from).toEqual([{ namespaceSelector: { matchLabels: MONITORING } }]);
    // No rule opens every port to everyone (a rule without ports does).
    for (const rule of rules) expect(Array.isArray(rule.ports) && rule.ports.length > 0).toBe(true);
  });

  test('base: the inference server serves gRPC on 8001 beside HTTP, behind the same Service', () => {
    const { objects } = render(path.join(K8S_DIR, 'base'));
    const server = get(objects, 'Deployment', 'inference').spec.template.spec.containers[0];
    expect(server.ports.find((p: K8s) => p.name === 'grpc').containerPort).toBe(8001);
    expect(get(objects, 'ConfigMap', 'platform-config').data.INFERENCE_GRPC_PORT).toBe('8001');
    const ports = get(objects, 'Service', 'inference').spec.ports.map((p: K8s) => [p.name, p.port, p.targetPort]);
    expect(ports).toEqual([
      ['http', 8000, 'http'],
      ['grpc', 8001, 'grpc'],
    ]);
  });

  test.each([
    ['overlays/production', 1],
    ['overlays/triton', 1],
    // No proxy in front: the dev overlay is reached by `kubectl port-forward`, so an X-Forwarded-For
    // could only come from the client itself.
    ['overlays/dev', 0],
    ['base', 0],
  ])('%s: the gateway believes as many X-Forwarded-For hops as there are proxies in front of it (%i)', (dir, hops) => {
    const { objects } = render(path.join(K8S_DIR, dir));
    const ingresses = byKind(objects, 'Ingress');
    expect(ingresses).toHaveLength(hops);
    for (const ingress of ingresses) {
      // ingress-nginx: the hop count above is what it adds (k8s/overlays/production/gateway-ingress.yaml).
      expect(ingress.spec.ingressClassName).toBe('nginx');
      const backends = ingress.spec.rules.flatMap((rule: K8s) => rule.http.paths.map((p: K8s) => p.backend.service.name));
      expect(new Set(backends)).toEqual(new Set(['gateway']));
      // Health, readiness and metrics stay inside the cluster.
      const paths = ingress.spec.rules.flatMap((rule: K8s) => rule.http.paths.map((p: K8s) => p.path));
      expect(paths).toEqual(expect.arrayContaining(['/graphql', '/partner/graphql']));
      expect(paths.filter((p: string) => ['/', '/healthz', '/readyz', '/metrics'].includes(p))).toEqual([]);
    }
    // What the gateway process reads: its ConfigMaps and plain env values, through the one config loader.
    const gateway = get(objects, 'Deployment', 'gateway').spec.template.spec.containers[0];
    const env: Record<string, string> = { JWT_SECRET: 'set-from-the-secret', INTERNAL_SECRET: 'set-from-the-secret' };
    for (const from of gateway.envFrom ?? []) Object.assign(env, get(objects, 'ConfigMap', from.configMapRef.name).data);
    for (const { name, value } of gateway.env ?? []) if (value !== undefined) env[name] = value;
    expect(loadConfig(env).trustProxy).toBe(hops === 0 ? false : hops);
  });

  test('Dockerfile and .dockerignore', () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const packageJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    // The image runs the Node line the README recommends, the one the package's engines end with.
    const recommended = /\^(\d+)\.0\.0$/.exec(packageJson.engines.node)?.[1];
    expect(dockerfile).toMatch(new RegExp(`^ARG NODE_IMAGE=node:${recommended}-bookworm-slim$`, 'm'));
    // CUDA provider only on request: skipped during `npm ci` whatever npm's version, fetched by the project's script.
    expect(dockerfile).toMatch(/^ARG ONNXRUNTIME_NODE_INSTALL=skip$/m);
    expect(dockerfile).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip npm ci/);
    expect(dockerfile).toMatch(/npm run -s install:cuda/);
    expect(packageJson.scripts['install:cuda']).toContain('onnxruntime-node/script/install');
    expect(packageJson.allowScripts['onnxruntime-node']).toBe(false);
    // npm 12 refuses unknown command-line flags.
    expect(dockerfile).not.toMatch(/--onnxruntime-node-install/);
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    // The runtime is gathered by the script CI's production-shape check also runs (and starts).
    expect(dockerfile).toMatch(/bash scripts\/assemble-runtime\.sh \. \/out/);
    const assemble = fs.readFileSync(path.join(ROOT, 'scripts', 'assemble-runtime.sh'), 'utf8');
    for (const file of ['gateway/supergraph.graphql', 'gateway/dashboard', 'gateway/ide', 'prisma/migrations', 'package.json']) {
      expect(assemble).toContain(`$src/${file}`);
      expect(fs.existsSync(path.join(ROOT, file))).toBe(true);
    }
    const ignored = fs
      .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim());
    for (const entry of ['node_modules', 'dist', '.data', '.git', 'coverage']) expect(ignored).toContain(entry);
  });
  test('monitoring: a PrometheusRule, PodMonitors that scrape every service as job=<its name>, dashboards for the sidecar', () => {
    const { objects } = render(path.join(K8S_DIR, MONITORING_DIR));
    for (const obj of objects) validate(obj, MONITORING_DIR);
    expect(objects.map((obj) => obj.kind).sort()).toEqual(
      ['PrometheusRule', 'PodMonitor', 'PodMonitor', ...byKind(objects, 'ConfigMap').map(() => 'ConfigMap')].sort(),
    );
    expect(byKind(objects, 'ConfigMap').length).toBeGreaterThanOrEqual(4);
    const rule = get(objects, 'PrometheusRule', 'federation-platform');
    const alerts = (rule.spec.groups as K8s[]).flatMap((group) => group.rules).filter((r: K8s) => r.alert);
    expect(alerts.length).toBeGreaterThan(5);
    for (const alert of alerts)
      expect([alert.alert, alert.labels.severity, alert.annotations.runbook_url]).toEqual([
        alert.alert,
        expect.stringMatching(/^(critical|warning)$/),
        expect.stringMatching(/^docs\/operations\.md#/),
      ]);

    // Every service is scraped by exactly one endpoint, on a port its pods have, in every overlay.
    for (const dir of OVERLAYS) {
      const deployments = byKind(render(path.join(K8S_DIR, dir)).objects, 'Deployment').filter((d) => SERVICES.includes(d.metadata.name));
      for (const d of deployments) {
        const where = `${dir}: ${d.metadata.name}`;
        const labels = d.spec.template.metadata.labels;
        const monitors = byKind(objects, 'PodMonitor').filter((monitor) => labelSelectorMatches(monitor.spec.selector, labels));
        expect([where, monitors.length]).toEqual([where, 1]);
        const [monitor] = monitors;
        // job = the pod's app.kubernetes.io/name = the service's name, as the rules expect.
        expect([where, monitor.spec.jobLabel, labels[monitor.spec.jobLabel]]).toEqual([where, 'app.kubernetes.io/name', d.metadata.name]);
        const portNames = containersOf(d).flatMap((c) => (c.ports ?? []).map((p: K8s) => p.name));
        const annotated = d.spec.template.metadata.annotations?.['prometheus.io/port'];
        for (const endpoint of monitor.spec.podMetricsEndpoints as K8s[]) {
          expect([where, endpoint.path, portNames.includes(endpoint.port)]).toEqual([where, '/metrics', true]);
          // The same port the prometheus.io annotations name (Triton's inference pod has its own metrics, see k8s/README.md).
          const port = containersOf(d)
            .flatMap((c) => c.ports ?? [])
            .find((p: K8s) => p.name === endpoint.port).containerPort;
          if (!(dir === 'overlays/triton' && d.metadata.name === 'inference')) expect([where, String(port)]).toEqual([where, annotated]);
        }
      }
    }

    // One ConfigMap per dashboard for Grafana's sidecar: the label it watches, one JSON file each.
    for (const configMap of byKind(objects, 'ConfigMap')) {
      const where = `ConfigMap/${configMap.metadata.name}`;
      expect([where, configMap.metadata.labels.grafana_dashboard]).toEqual([where, '1']);
      const files = Object.keys(configMap.data);
      expect([where, files.length, files[0]]).toEqual([where, 1, expect.stringMatching(/\.json$/)]);
      const dashboard = JSON.parse(configMap.data[files[0]]);
      expect([where, `${dashboard.uid}.json`, dashboard.panels.length > 0]).toEqual([where, files[0], true]);
    }
  });
});
