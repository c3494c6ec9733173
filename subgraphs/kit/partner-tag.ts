/**
 * Marks a type or field as part of the partner contract (gateway/contracts/partner.graphql): what
 * partners may use. A tagged type brings all its fields; an untagged type brings only its tagged
 * ones; scalars and enums come with the fields that use them. scripts/contracts.ts derives the
 * contract from these tags, and `npm run schema:check` guards it against breaking changes.
 */
export const PARTNER = '@tag(name: "partner")';

/** The tag's name, as scripts/contracts.ts looks for it. */
export const PARTNER_TAG_NAME = 'partner';
