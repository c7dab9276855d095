// The login journey in a real browser: Debian's Chromium, headless, driven by playwright-core.
// Starts the real printgate-relay (--demo, a fresh state directory), opens the printer's
// address, and follows what a person would do: the set-up link, the owner account, sign-in,
// the mandatory authenticator enrolment (the code computed here from the secret on the
// page), the recovery codes, back to the printer; then sign-out closes the printer again.
//
//   node login_journey.mjs /path/to/printgate-relay
// Exit 0: passed; 1: failed; 77: skipped (playwright-core or chromium missing).
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, chromiumOrSkip, start, stop, waiter } from './harness.mjs';

const relayBin = process.argv[2];
const chromium = await chromiumOrSkip();
if (!relayBin || !existsSync(relayBin)) {
  console.error('usage: node login_journey.mjs PRINTGATE_RELAY_BIN');
  process.exit(2);
}

// RFC 6238 with the authenticator app defaults (SHA-1, 6 digits, 30 s).
function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const ch of text.replace(/[\s=]/g, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}
function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', secret).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1000000;
  return String(code).padStart(6, '0');
}

const state = mkdtempSync(join(tmpdir(), 'printgate-e2e-'));
const relay = start(relayBin, ['serve', '--demo', '--state-dir', state]);
const waitFor = waiter(relay.output);
// Submits the page's form and waits for the page that answers it.
async function submit(page, selector = 'button') {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

let browser;
let failed = false;
try {
  const setupLink = await waitFor(() => relay.out().match(/printgate-relay setup (\S+)/)?.[1], 'the set-up link');
  const port = await waitFor(() => relay.out().match(/https=127\.0\.0\.1:(\d+)/)?.[1], 'the ready line');
  const apex = `https://localhost:${port}`;
  const printer = `https://printer1.localhost:${port}`;

  browser = await chromium.launch();
  // The demo certificate comes from the relay's own CA, which this browser does not know.
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();

  // 1. The printer's address, before any account: the sign-in page on the apex.
  await page.goto(`${printer}/`);
  check(page.url().startsWith(`${apex}/signin?device=printer1`), `the printer sends a stranger to sign in (${page.url()})`);

  // 2. The set-up link: the owner account.
  await page.goto(setupLink);
  await page.fill('input[name=name]', 'jane');
  await page.fill('input[name=password]', 'tram velvet oxide harbour');
  await page.fill('input[name=confirm]', 'tram velvet oxide harbour');
  await submit(page);
  check((await page.textContent('body')).includes('exists now'), 'the owner account is created');

  // 3. Sign in on the way to the printer.
  await page.goto(`${printer}/files`);
  await page.fill('input[name=name]', 'jane');
  await page.fill('input[name=password]', 'tram velvet oxide harbour');
  await submit(page);
  check(page.url().startsWith(`${apex}/enroll`), 'a new account must set up an authenticator app');
  check((await page.locator('.qr svg').count()) === 1, 'the enrolment page shows a QR code');

  // 4. Enrolment with a code computed from the secret on the page.
  const secret = base32Decode(await page.textContent('#totp-secret'));
  const step = Math.floor(Date.now() / 1000 / 30);
  await page.fill('input[name=code]', totp(secret, step));
  await submit(page);
  const codes = await page.locator('#recovery-codes li').count();
  check(codes === 10, 'ten recovery codes are shown once');

  // 5. Continue: the hand-off ticket, then the printer itself (no device is paired: the
  // relay's "no such printer" page means the gate let the request through).
  await submit(page, 'text=Continue');
  check(page.url() === `${printer}/files`, `back on the printer page (${page.url()})`);
  check((await page.textContent('body')).includes('No such printer'), 'the gate admitted the request');
  const cookies = await context.cookies(printer);
  const session = cookies.find((c) => c.name === '__Host-printgate');
  check(session && session.secure && session.httpOnly && session.sameSite === 'Lax' && session.path === '/',
        'the printer host has its own __Host-printgate cookie (Secure, HttpOnly, SameSite=Lax)');

  // 6. A form on another site posting to the printer is refused; the same form on the
  // printer's own origin passes the gate.
  const formHtml = `<form method="post" action="${printer}/api/job"><input name="x" value="1"><button>go</button></form>`;
  const other = await context.newPage();
  await other.setContent(formHtml);
  const [foreign] = await Promise.all([other.waitForNavigation(), other.click('button')]);
  check(foreign.status() === 403, `a cross-site form POST is refused (${foreign.status()})`);
  await other.close();
  await page.evaluate((html) => { document.body.innerHTML = html; }, formHtml);
  const [own] = await Promise.all([page.waitForNavigation(), page.click('button')]);
  check(own.status() === 404, `a same-origin form POST passes the gate (${own.status()})`);

  // 7. Sign out on the apex: the printer is closed again.
  await page.goto(`${apex}/`);
  await submit(page, 'text=Sign out');
  check(page.url().startsWith(`${apex}/signin`), 'signed out');
  await page.goto(`${printer}/`);
  check(page.url().startsWith(`${apex}/signin`), 'after sign-out the printer wants a sign-in again');
} catch (e) {
  failed = true;
  console.error(`FAIL: ${e.message}`);
  try {
    const pages = browser ? browser.contexts().flatMap((c) => c.pages()) : [];
    for (const p of pages) console.error(`at ${p.url()}:\n${(await p.textContent('body')).slice(0, 2000)}`);
  } catch {
    // the browser is gone: nothing more to show
  }
} finally {
  if (browser) await browser.close();
  await stop(relay);
  rmSync(state, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
