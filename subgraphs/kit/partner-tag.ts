/**
 * The partner contract's include tag (gateway/contracts/partner.graphql): what partners may use.
 * A tagged type brings the fields this subgraph defines on it (not those other subgraphs add); an
 * untagged type brings only its tagged fields; scalars and enums come with the fields that use
 * them. scripts/contracts.ts derives the contract from these tags, and `npm run schema:check`
 * guards it against breaking changes.
 */

/** The tag's name, as scripts/contracts.ts looks for it. */
export const PARTNER_TAG_NAME = 'partner';

/** `@Directive(PARTNER)` puts a type or field into the partner contract. */
export const PARTNER = `@tag(name: "${PARTNER_TAG_NAME}")`;
