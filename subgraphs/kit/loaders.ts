/** Per-request batching: every `load(id)` in one tick becomes one `findMany` (id IN ...). */
import DataLoader from 'dataloader';

/**
 * Rows by id for one request's viewer. `mayRead` is the entity's access rule (its
 * `<entity>.access.ts`): a row the viewer may not read loads as null, exactly like a missing one,
 * so root fields and reference resolvers (`_entities`) that load through here cannot differ.
 */
export function byIdLoader<Row extends { id: string }>(findMany: (ids: string[]) => Promise<Row[]>, mayRead: (row: Row) => boolean) {
  return new DataLoader<string, Row | null>(async (ids) => {
    const rows = await findMany([...ids]);
    const byId = new Map(rows.filter(mayRead).map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/** The access rule of public data (the product catalogue): anyone, signed in or not. */
export const publicRow = (): boolean => true;

/** Like byIdLoader, for one-to-many lookups (e.g. items of each order). */
export function groupLoader<Row>(findMany: (keys: string[]) => Promise<Row[]>, keyOf: (row: Row) => string) {
  return new DataLoader<string, Row[]>(async (keys) => {
    const groups = new Map<string, Row[]>(keys.map((key) => [key, []]));
    for (const row of await findMany([...keys])) groups.get(keyOf(row))?.push(row);
    return keys.map((key) => groups.get(key) ?? []);
  });
}

/**
 * One loader per argument value (a page size, a placement), made on first use: every load with
 * the same argument in a request shares one batch.
 */
export function loaderFamily<Arg, Loader>(create: (arg: Arg) => Loader): (arg: Arg) => Loader {
  const loaders = new Map<Arg, Loader>();
  return (arg) => {
    let loader = loaders.get(arg);
    if (!loader) {
      loader = create(arg);
      loaders.set(arg, loader);
    }
    return loader;
  };
}
