/**
 * Option values for the platform's command-line tools. Every CLI reads its flags with node:util's
 * parseArgs (strict: an unknown or misspelt flag is an error, not silently ignored); these turn
 * the strings it returns into numbers and dates with an error that names the flag.
 */
export function numberOption(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw new Error(`--${flag} must be a number, got "${raw}"`);
  return value;
}

export function integerOption(raw: string | undefined, flag: string, min = Number.MIN_SAFE_INTEGER): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min) {
    throw new Error(
      `--${flag} must be ${min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : 'an integer'}, got "${raw}"`,
    );
  }
  return value;
}

export function dateOption(raw: string | undefined, flag: string): Date | undefined {
  if (raw === undefined) return undefined;
  const date = new Date(raw);
  if (Number.isNaN(date.getTime())) throw new Error(`--${flag} must be an ISO date, got "${raw}"`);
  return date;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as 90s, 15m, 24h or 7d (a bare number is seconds), in milliseconds. */
export function durationOption(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(raw.trim());
  if (!match) throw new Error(`--${flag} must be a duration such as 90s, 15m, 24h or 7d, got "${raw}"`);
  return Math.round(Number(match[1]) * DURATION_UNITS[match[2] ?? 's']);
}
