/** What every `npm run -s partner -- <command>` subcommand is given and must provide. */

/** Sends one GraphQL operation to the platform as an admin; throws with the error's message and code. */
export type AdminRequest = <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) => Promise<T>;

export interface CommandContext {
  admin: AdminRequest;
  /** The gateway's base URL (no path), for commands that read more than GraphQL (e.g. /metrics). */
  gatewayUrl: string;
  /** Where that gateway serves /metrics when not on its own port (GATEWAY_METRICS_PORT). */
  metricsUrl?: string;
  /** Writes one line of output (stdout in the CLI, a buffer in tests). */
  print(line: string): void;
}

export interface PartnerCommand {
  /** One usage line, e.g. `create --name NAME [--requests-per-minute N]`. */
  usage: string;
  /** Runs with the arguments after the command name; throws an Error whose message the CLI prints. */
  run(args: string[], context: CommandContext): Promise<void>;
}
