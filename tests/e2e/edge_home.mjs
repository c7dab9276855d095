// The printer's home page in a real browser: Debian's Chromium, headless, driven by
// playwright-core. Starts the real printgate-edge (--demo: the real printgate-sim on a pty and
// the test camera, a fresh state directory), opens "/", and checks what a person sees: the
// camera's pictures arrive, the page's script keeps the texts current (a print started
// after the page loaded shows up without a reload), its buttons pause, resume and cancel the
// print, with no error and no blocked resource under the page's Content-Security-Policy.
//
//   node edge_home.mjs /path/to/printgate-edge /path/to/printgate-sim
// Exit 0: passed; 1: failed; 77: skipped (playwright-core or chromium missing).
import { mkdtempSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, chromiumOrSkip, start, stop, waiter } from './harness.mjs';

const [edgeBin, simBin] = process.argv.slice(2);
const chromium = await chromiumOrSkip();
if (!edgeBin || !existsSync(edgeBin) || !simBin || !existsSync(simBin)) {
  console.error('usage: node edge_home.mjs PRINTGATE_EDGE_BIN PRINTGATE_SIM_BIN');
  process.exit(2);
}

const state = mkdtempSync(join(tmpdir(), 'printgate-e2e-edge-'));
const config = join(state, 'edge.toml');
writeFileSync(config, `[demo]\nsim_binary = ${JSON.stringify(simBin)}\nsim_args = ["--home-time", "0.1"]\n`);
const edge = start(edgeBin, ['run', '--demo', '--config', config, '--state-dir', join(state, 'state')]);
const waitFor = waiter(edge.output);

// A print of about a minute: many short moves, a layer every 50.
function gcode() {
  let s = '; e2e\nG28\nG90\nM83\nG1 Z0.3 F600\n';
  for (let i = 0; i < 3000; ++i) {
    if (i % 50 === 0) s += `;LAYER_CHANGE\n;Z:${(0.3 + 0.2 * (i / 50)).toFixed(1)}\n`;
    s += `G1 X${10 + (i % 2) * 2} Y${10 + (i % 3)} E0.05 F600\n`;
  }
  return s;
}

let browser;
let failed = false;
try {
  const port = await waitFor(() => edge.out().match(/ready http=127\.0\.0\.1:(\d+)/)?.[1], 'the ready line');
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => {
    const res = await fetch(`${base}/api/v1/state`);
    return (await res.json()).state?.state === 'operational';
  }, 'the simulated printer to be operational');

  browser = await chromium.launch();
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`); });
  page.on('requestfailed', (r) => {
    // The endless camera stream is cut when the page closes; anything else is a fault.
    if (!r.url().includes('action=stream')) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });

  await page.goto(`${base}/`);
  check((await page.textContent('h1')) === 'Generic Marlin printer', 'the page names the printer');
  check((await page.textContent('#state')) === 'operational', 'the state is shown');
  check((await page.textContent('#job')) === 'No print is running.', 'no job yet');
  check(await page.locator('#progress').isHidden(), 'no progress bar without a job');

  const width = await waitFor(() => page.evaluate(() => {
    const img = document.getElementById('camera');
    return img && img.complete && img.naturalWidth > 0 ? img.naturalWidth : 0;
  }), 'a camera picture');
  check(width === 640, `the camera shows pictures (${width} px wide)`);

  // A print started by someone else (the API, as a slicer would): the open page follows it.
  const form = new FormData();
  form.append('file', new Blob([gcode()]), 'e2e.gcode');
  form.append('print', 'true');
  const upload = await fetch(`${base}/api/v1/files`, { method: 'POST', body: form });
  check(upload.status === 201, `the upload is stored and printing (${upload.status})`);
  const job = await waitFor(async () => {
    const text = await page.textContent('#job');
    return text.startsWith('e2e.gcode: ') && text.includes(', layer ') ? text : null;
  }, 'the page to show the job');
  check(true, `the page shows the job without a reload: "${job}"`);
  check((await page.textContent('#state')).startsWith('printing'), 'the state says printing');
  check(await page.locator('#progress').isVisible(), 'the progress bar shows');
  check(/°C/.test(await page.textContent('#temperatures')), 'temperatures are shown');

  check(await page.locator('#pause').isVisible() && await page.locator('#cancel').isVisible() &&
        await page.locator('#resume').isHidden(), 'Pause and Cancel are offered while printing');

  // The page's buttons: pause, resume, then cancel (after the browser's confirmation).
  await page.click('#pause');
  await waitFor(async () => (await page.textContent('#state')).startsWith('paused'), 'the page to show paused');
  check(await page.locator('#resume').isVisible() && await page.locator('#pause').isHidden(), 'Resume replaces Pause');
  await page.click('#resume');
  await waitFor(async () => (await page.textContent('#state')).startsWith('printing'), 'the page to show printing again');
  check(true, 'Resume prints again');
  let asked = '';
  page.once('dialog', (d) => { asked = d.message(); d.accept(); });
  await page.click('#cancel');
  check(asked.startsWith('Cancel the print?'), 'cancelling asks first');
  await waitFor(async () => (await page.textContent('#job')) === 'No print is running.', 'the page to show no job');
  check(await page.locator('#progress').isHidden(), 'the progress bar goes away');
  check(await page.locator('#cancel').isHidden(), 'no button without a job');
  check((await page.textContent('#answer')) === '', 'no refusal was shown');
  check(await page.locator('#stale').isHidden(), 'no "does not answer" warning while the edge answers');
  check(problems.length === 0, `no script error or blocked resource (${problems.join('; ')})`);

  // The edge goes away: the page says so instead of showing old texts as current.
  edge.kill('SIGTERM');
  await waitFor(() => page.locator('#stale').isVisible(), 'the page to notice the edge is gone', 15000);
  check((await page.textContent('#stale')).startsWith('No fresh status from the printer'), 'the page warns that the edge is gone');
} catch (e) {
  failed = true;
  console.error(`FAIL: ${e.message}`);
} finally {
  if (browser) await browser.close();
  await stop(edge);
  rmSync(state, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
