/**
 * `@Audited(action, { subject })` on a resolver method records each call in the audit log with
 * its actor, subject and outcome (ok, denied, error:<CODE>), after the resolver has run:
 *
 *   @Audited('partner.key.revoke', { subject: ({ args }) => args.keyId })
 *   @Mutation(() => PartnerKey, { … })
 *   async revokePartnerKey(…) { requireAdmin(viewer); … }
 *
 * A refusal by requireAdmin is left to the admin.denied record (./denied.ts), so one refused call
 * is one record. The record is written after the resolver (the action may span services and
 * outside providers, so it cannot share one transaction with them): the response waits for it,
 * within appendAudit's bounds, and a failed write is logged and counted, never thrown.
 */
import { UseMiddleware } from 'type-graphql';
import { isAdminRefusal } from '../../../platform/viewer';
import type { SubgraphContext } from '../context';
import { recordAudit } from './append';
import { originOf } from './origin';
import { outcomeOf } from './outcome';

export interface AuditedCall {
  args: Record<string, unknown>;
  /** What the resolver returned; undefined when it failed. */
  result?: unknown;
}

export interface AuditedOptions {
  /** The id acted on, from the arguments or the result (never a secret: a key, a URL, a body). */
  subject?: (call: AuditedCall) => unknown;
}

export function Audited(action: string, options: AuditedOptions = {}): MethodDecorator & PropertyDecorator {
  return UseMiddleware(async ({ args, context, info }, next) => {
    const { viewer, prisma, log } = context as SubgraphContext;
    const record = async (outcome: string, result?: unknown) => {
      const subject = options.subject?.({ args, result });
      await recordAudit(prisma, log, {
        action,
        actorId: viewer.userId ?? null,
        actorRoles: viewer.roles,
        subjectId: typeof subject === 'string' && subject !== '' ? subject : null,
        detail: `${info.parentType.name}.${info.fieldName}`,
        origin: originOf(viewer),
        outcome,
      });
    };
    let result: unknown;
    try {
      result = await next();
    } catch (error) {
      if (!isAdminRefusal(error)) await record(outcomeOf(error));
      throw error;
    }
    await record('ok', result);
    return result;
  });
}
