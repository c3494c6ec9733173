/** Personal data exports in the users subgraph: what subgraph.ts wires in. */
import type { SubgraphDeps } from '../../kit/definition';
import { partCollectors } from './collect';
import { DataExportResolver } from './resolver';
import { DataExportWorker } from './worker';

export { DataExportResolver, DataExportWorker };

/** Starts this replica's export worker (on the background client, so request SQL counts stay the requests'). */
export function startDataExportWorker(deps: SubgraphDeps): DataExportWorker {
  const prisma = deps.backgroundPrisma ?? deps.prisma;
  const worker = new DataExportWorker(
    prisma,
    partCollectors(prisma, deps.services, deps.config.dataExport.partTimeoutMs),
    deps.log.child({ component: 'data-export' }),
    deps.config.dataExport,
  );
  worker.start();
  return worker;
}
