/** @apollo/composition over parsed subgraph SDL, on its own so that a caller needs none of the platform's subgraph code. */
import { composeServices } from '@apollo/composition';

/** Every composition error in one message. */
export function composeDocuments(services: Parameters<typeof composeServices>[0]): string {
  const result = composeServices(services);
  if (result.errors) {
    throw new Error(`Composition failed:\n${result.errors.map((error) => `- ${error.message}`).join('\n')}`);
  }
  return `${result.supergraphSdl}\n`;
}
