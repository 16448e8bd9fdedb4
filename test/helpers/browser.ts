/**
 * Debian's Chromium through playwright-core, for tests that look at rendered pages. Where
 * Chromium is missing the tests skip, saying so (`requires('chromium')`); `.ci/run` installs it
 * and lets nothing skip.
 */
import { createServer } from 'node:net';
import { type Browser, chromium } from 'playwright-core';
import { CHROMIUM } from './requires.js';

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

/** A TCP port free on 127.0.0.1 now (for a server whose URL must be known before it starts). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}
