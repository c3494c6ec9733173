/** Partner and API key commands: create, list, revoke, rotate, usage. */
import type { PartnerCommand } from './command';

export const keyCommands: Record<string, PartnerCommand> = {};
