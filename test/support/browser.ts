/**
 * A real Chromium for browser tests that installs from the npm registry alone: @sparticuz/chromium
 * ships the browser inside its package (unpacked to the temp dir on first use, a few seconds).
 * CHROMIUM_PATH picks another build instead, e.g. Debian's /usr/bin/chromium.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';

const execFileAsync = promisify(execFile);

/** Flags that keep Chromium from reaching for the network on its own (this machine has none). */
const QUIET_FLAGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export async function launchBrowser(): Promise<Browser> {
  const custom = process.env.CHROMIUM_PATH;
  if (custom) {
    return chromium.launch({ executablePath: custom, args: ['--no-sandbox', '--disable-gpu', ...QUIET_FLAGS] });
  }
  const { default: packaged } = await import('@sparticuz/chromium');
  return chromium.launch({ executablePath: await unpackedChromium(), args: [...packaged.args, ...QUIET_FLAGS] });
}

/**
 * The package unpacks into os.tmpdir() and counts the browser as ready as soon as the file
 * exists, i.e. while it is still being written: two test processes starting at once (parallel
 * jest workers) could launch a half-written binary. It is unpacked here by a child process whose
 * TMPDIR is a private folder, which is then renamed into place: the folder, once it exists, is
 * complete.
 */
async function unpackedChromium(): Promise<string> {
  const packageJson = packageJsonOf('@sparticuz/chromium');
  const { version } = JSON.parse(fs.readFileSync(packageJson, 'utf8')) as { version: string };
  const home = path.join(os.tmpdir(), `federation-platform-chromium-${version}`);
  const binary = path.join(home, 'chromium');
  if (fs.existsSync(binary)) return binary;
  const staging = fs.mkdtempSync(`${home}.unpacking-`);
  try {
    await execFileAsync(
      process.execPath,
      ['--input-type=module', '-e', "await (await import('@sparticuz/chromium')).default.executablePath()"],
      {
        cwd: path.dirname(packageJson),
        env: { ...process.env, TMPDIR: staging },
        timeout: 120_000,
      },
    );
    fs.renameSync(staging, home);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (!fs.existsSync(binary)) throw error; // else another process got there first
  }
  return binary;
}

/** The package's own package.json (its `exports` hide it, and its entry's depth differs between versions). */
function packageJsonOf(name: string): string {
  for (let dir = path.dirname(require.resolve(name)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate) && (JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string }).name === name) return candidate;
  }
  throw new Error(`no package.json of ${name} above ${require.resolve(name)}`);
}
