/**
 * Expires unpaid orders whose reservation ran out. Every replica of the orders service runs one:
 * each round takes at most `sweepBatch` due orders (rows another replica is expiring are
 * skipped, not waited for) and goes again at once while rounds come back full, so a backlog
 * drains without one transaction holding thousands of rows. Readers see a due order as EXPIRED
 * before its sweep (data.ts), so the interval only delays the announcement and the restock.
 */
import type { PrismaClient } from '../../prisma/database';
import type { OrdersConfig } from '../../platform/config';
import type { Logger } from '../../platform/logger';
import { Outbox } from '../kit/events';
import { Sleeper } from '../kit/sleeper';
import { expireDueOrders, pruneLapsedClaims } from './reservations';

export interface ExpirySweeper {
  /** One round: expires up to a batch of due orders; resolves with their ids. */
  sweep(): Promise<string[]>;
  close(): Promise<void>;
}

export function startExpirySweeper(options: {
  prisma: PrismaClient;
  config: OrdersConfig;
  log: Logger;
  /** Where the expiries' events are written (the service's own outbox, so its relay is woken). */
  outbox?: Outbox;
}): ExpirySweeper {
  const { prisma, config, log } = options;
  const outbox = options.outbox ?? new Outbox('orders');
  const sleeper = new Sleeper();
  let closed = false;
  let failing = false;

  const sweep = async (): Promise<string[]> => {
    const expired = await outbox.transaction(prisma, (tx, emit) => expireDueOrders(tx, emit, config.sweepBatch));
    await prisma.$transaction((tx) => pruneLapsedClaims(tx, config.sweepBatch));
    return expired;
  };

  const loop = (async () => {
    while (!closed) {
      let full = false;
      try {
        const expired = await sweep();
        if (expired.length > 0) log.info({ expired: expired.length }, 'unpaid orders expired; their stock goes back');
        if (failing) log.info('order expiry sweeps again');
        failing = false;
        full = expired.length === config.sweepBatch;
      } catch (error) {
        // The database is away (restart, failover): readers still see due orders as EXPIRED; retry next round.
        if (!failing) log.warn({ err: error }, 'order expiry sweep failed; retrying');
        failing = true;
      }
      if (!full) await sleeper.sleep(config.sweepIntervalMs);
    }
  })();

  return {
    sweep,
    async close() {
      closed = true;
      sleeper.stop();
      await loop;
    },
  };
}
