/** Programs from the system that some tests need (promtool, prometheus): found on PATH, or not at all. */
import fs from 'node:fs';
import path from 'node:path';

/** The full path of an executable on PATH, or undefined: tests skip themselves (and say why) without it. */
export function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
