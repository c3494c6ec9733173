/**
 * A real Chromium for browser tests that installs from the npm registry alone: @sparticuz/chromium
 * ships the browser inside its package (unpacked to the temp dir on first use, a few seconds).
 * CHROMIUM_PATH picks another build instead, e.g. Debian's /usr/bin/chromium.
 */
import { chromium, type Browser } from 'playwright-core';

/** Flags that keep Chromium from reaching for the network on its own (this machine has none). */
const QUIET_FLAGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export async function launchBrowser(): Promise<Browser> {
  const custom = process.env.CHROMIUM_PATH;
  if (custom) {
    return chromium.launch({ executablePath: custom, args: ['--no-sandbox', '--disable-gpu', ...QUIET_FLAGS] });
  }
  const { default: packaged } = await import('@sparticuz/chromium');
  return chromium.launch({ executablePath: await packaged.executablePath(), args: [...packaged.args, ...QUIET_FLAGS] });
}
