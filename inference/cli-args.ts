/** Minimal `--name value` argument reading for the inference CLIs (train, eval). */
export function parseArgs(argv: string[]) {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) continue;
    const [name, inline] = arg.slice(2).split('=', 2);
    if (inline !== undefined) values.set(name, inline);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) values.set(name, argv[++i]);
    else values.set(name, 'true');
  }
  return {
    string: (name: string): string | undefined => values.get(name),
    number: (name: string): number | undefined => {
      const raw = values.get(name);
      if (raw === undefined) return undefined;
      const value = Number(raw);
      if (!Number.isFinite(value)) throw new Error(`--${name} must be a number, got "${raw}"`);
      return value;
    },
  };
}
