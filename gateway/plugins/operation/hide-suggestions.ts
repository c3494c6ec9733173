/**
 * What errors may say about the schema. graphql spells out names it knows in them
 * ("Cannot query field "prodcts" on type "Query". Did you mean "products"?"): with introspection off
 * (production) that would map the API for anyone who types near misses, so the suggestion goes.
 * One rule for both ways in: Apollo Server's pipeline (HTTP, and operations sent over WebSocket
 * once they run) through the plugin, graphql-ws's subscribe messages through withoutSuggestions.
 */
import type { GatewayPlugin } from '../../pipeline/plugin';

/** graphql 16's didYouMean() ends a message with " Did you mean …?" (Apollo's own plugin uses the same pattern). */
const SUGGESTION = / ?Did you mean(.+?)\?$/;

/** The same errors with their suggestions cut off (in place, as Apollo's pipeline hands its errors on). */
export function withoutSuggestions<T extends readonly Error[]>(errors: T): T {
  for (const error of errors) error.message = error.message.replace(SUGGESTION, '');
  return errors;
}

/**
 * Apollo Server: no suggestions in validation errors, nor in any other error it answers with:
 * a variable's value is checked after validation ("Value "HOM" does not exist in
 * "RecommendationPlacement" enum. Did you mean the enum value "HOME"?"), and Apollo's own
 * hideSchemaDetailsFromClientErrors trims validation errors only.
 */
export const hideSuggestions: GatewayPlugin = { name: 'hide-suggestions', onErrors: (errors) => void withoutSuggestions(errors) };
