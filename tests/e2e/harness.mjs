// What the browser journeys here share: Debian's Chromium through playwright-core (or a skip,
// exit 77, when either is missing), a child process whose output is kept, polling with a
// deadline, and one "ok - ..." line per check.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export function skip(why) {
  console.log(`SKIP: ${why}`);
  process.exit(77);
}

// Call first, before starting anything: skips when playwright-core or Chromium is missing.
// Returns what launches the browser (headless, with the flags this machine needs).
export async function chromiumOrSkip() {
  const executablePath = process.env.PRINTGATE_CHROMIUM || '/usr/bin/chromium';
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    skip('playwright-core is not installed: run `npm ci` in tests/e2e');
  }
  if (!existsSync(executablePath)) skip(`no Chromium at ${executablePath} (apt-get install chromium)`);
  return {
    launch: () => chromium.launch({
      executablePath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    }),
  };
}

// A child process; `output()` is what it printed so far (stdout, then stderr).
export function start(binary, args) {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  child.out = () => out;
  child.output = () => `${out}\n${err}`;
  return child;
}

// Stops a child started above, if it still runs, and waits for it.
export async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await exited;
}

// waitFor(test, what, ms): polls `test` (it may return a promise) until it gives a truthy
// value, and returns that; after `ms` it throws, naming `what`, with `context()` appended.
export function waiter(context) {
  return async function waitFor(test, what, ms = 60000) {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const v = await test();
      if (v) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}\n${context()}`);
  };
}

export function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
  console.log(`ok - ${what}`);
}
