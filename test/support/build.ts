/**
 * The project built into dist/ as `npm run build` builds it, for tests that run the built entries
 * in processes of their own. `tsc -b` is incremental: after the first build in a run it only checks
 * that nothing changed.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fromRoot } from '../../platform/paths';

/** A cold build of the whole project takes a minute or two on a 2-core machine. */
export const BUILD_TIMEOUT_MS = 300_000;

export async function buildProject(): Promise<void> {
  const tsc = fromRoot('node_modules', 'typescript', 'bin', 'tsc');
  await promisify(execFile)(process.execPath, [tsc, '-b', 'tsconfig.json'], { cwd: fromRoot(), timeout: BUILD_TIMEOUT_MS });
}
