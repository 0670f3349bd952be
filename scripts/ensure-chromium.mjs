#!/usr/bin/env node
// Makes sure a Chromium the browser tests can drive is installed.
// Uses $MOONSTEP_CHROMIUM or /usr/bin/chromium; if missing and we are root with apt-get,
// installs Debian's `chromium` package; otherwise exits 1 with what to do.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export const CHROMIUM_PATH = process.env.MOONSTEP_CHROMIUM || '/usr/bin/chromium';

function hasApt() {
  try {
    execFileSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Returns the Chromium path, installing Debian's package first if needed and possible. */
export function ensureChromium({ log = (m) => process.stderr.write(m + '\n') } = {}) {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !hasApt()) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. The browser tests need it: install Debian's ` +
        "'chromium' package (apt-get install chromium), run the tests as root so this script " +
        'can install it, or set MOONSTEP_CHROMIUM to a Chromium binary.',
    );
  }
  log('moonstep: installing Debian chromium for the browser tests (apt-get install chromium)...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`apt-get installed chromium but ${CHROMIUM_PATH} is still missing`);
  return CHROMIUM_PATH;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    console.log(ensureChromium());
  } catch (error) {
    console.error(`moonstep: ${error.message}`);
    process.exit(1);
  }
}
