/**
 * The breaking-change gate of a published contract: @graphql-inspector/core diffs the published
 * API schema against the one composed from code and sorts the changes by what they do to a
 * client that already uses the contract: breaking (its queries stop working: a removed or renamed
 * field, a changed type, a new required argument), dangerous (they may behave differently: a new
 * enum value, a changed default) or safe (additions).
 */
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';

export interface ContractChanges {
  breaking: Change[];
  dangerous: Change[];
  safe: Change[];
}

export async function compareContracts(publishedSdl: string, nextSdl: string): Promise<ContractChanges> {
  const changes = await diff(buildSchema(publishedSdl), buildSchema(nextSdl));
  const at = (level: CriticalityLevel) => changes.filter((change) => change.criticality.level === level);
  return { breaking: at(CriticalityLevel.Breaking), dangerous: at(CriticalityLevel.Dangerous), safe: at(CriticalityLevel.NonBreaking) };
}

/** One line per change: where, what, and why it matters when inspector says. */
export function describeChange(change: Change): string {
  const why = change.criticality.reason ? ` (${change.criticality.reason})` : '';
  return `${change.path ?? '(schema)'}: ${change.message}${why}`;
}

/** The CHANGELOG.md entry that records accepted breaking changes and the reason given for them. */
export function changelogEntry(changes: Change[], reason: string, date: Date): string {
  const lines = changes.map((change) => `- \`${change.path ?? '(schema)'}\`: ${change.message}`);
  return `## ${date.toISOString().slice(0, 10)}: ${reason}\n\n${lines.join('\n')}\n\n`;
}

/** What `npm run compose` may do with the contract composed from code, given the changes to the published one. */
export type PublishDecision = { allowed: true; changelogEntry?: string } | { allowed: false; refusal: string };

/**
 * Compatible changes (or a first publication) are published; breaking ones only when a reason
 * accepts them, and then the reason and the changes go into the changelog.
 */
export function publishDecision(changes: ContractChanges | undefined, acceptBreaking: string | undefined, date: Date): PublishDecision {
  if (!changes || changes.breaking.length === 0) return { allowed: true };
  if (!acceptBreaking) {
    return {
      allowed: false,
      refusal:
        `Refused: ${changes.breaking.length} breaking change(s) to the partner contract; nothing was written. ` +
        'Publish them on purpose with: npm run compose -- --accept-breaking "reason"',
    };
  }
  return { allowed: true, changelogEntry: changelogEntry(changes.breaking, acceptBreaking, date) };
}
