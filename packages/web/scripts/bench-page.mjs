// Browser vs Node, batch 1, VGG16 no-top at 224×224 (block5_pool), and the page's time to first result.
//   npm run build && node packages/web/scripts/bench-page.mjs WEIGHTS.vggw [IMAGE]
// Node: loadVgg with 1 and 2 threads. Chromium (/usr/bin/chromium, headless): the page from the real
// server, threads on (cross-origin isolated, 2 threads) and off (not isolated: 1 thread). Median of 5
// passes after one warm-up each. Cold = a fresh browser profile (weights downloaded); warm = a reload
// (weights from Cache Storage, sha256 checked).
import { readPackedHeader } from '@vggscope/weights';
import { loadVgg } from '@vggscope/kernels';
import { chromium } from 'playwright-core';
import { startServer, ensureApp } from '@vggscope/web';

const [weights, image = new URL('../../cli/assets/chelsea.png', import.meta.url).pathname] = process.argv.slice(2);
const RUNS = 5;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const header = await readPackedHeader(weights);
const results = { model: header.model, load: (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim() };

for (const threads of [1, 2]) {
  const m = await loadVgg({ model: header.model, weights, layers: ['block5_pool'], threads });
  await m.extract(image);
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await m.extract(image);
    times.push(performance.now() - t0);
  }
  results[`node_${threads}t_ms`] = Math.round(median(times));
  await m.close();
}

const app = await ensureApp();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
for (const isolate of [true, false]) {
  const server = await startServer({
    appDir: app,
    weights: [{ path: weights, model: header.model }],
    port: 0,
    host: '127.0.0.1',
    isolate,
  });
  const context = await browser.newContext();
  const page = await context.newPage();
  const settled = () =>
    page.waitForFunction(() => ['done', 'error'].includes(document.getElementById('status').dataset.state), null, {
      timeout: 180_000,
    });
  const state = () => page.evaluate(() => window.vggscope.state);
  await page.goto(server.url);
  await settled();
  const cold = await state();
  await page.reload();
  await settled();
  const warm = await state();
  const times = [];
  for (let i = 0; i < RUNS + 1; i++) {
    await page.evaluate(() => (document.getElementById('status').dataset.state = 'pending'));
    await page.setInputFiles('#file', image);
    await settled();
    if (i > 0) times.push((await state()).lastTotalMs);
  }
  const label = `chromium_${warm.threads}t`;
  results[`${label}_ms`] = Math.round(median(times));
  results[`${label}_first_result_cold_ms`] = Math.round(cold.firstResultMs);
  results[`${label}_first_result_warm_ms`] = Math.round(warm.firstResultMs);
  results[`${label}_weights_second_visit`] = warm.weightsFrom;
  await context.close();
  await server.close();
}
await browser.close();
console.log(JSON.stringify(results, null, 2));
