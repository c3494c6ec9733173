/** Webhook commands: register a partner's URL, show and replay its deliveries. */
import type { PartnerCommand } from './command';

export const webhookCommands: Record<string, PartnerCommand> = {};
