/**
 * One fresh process: from Node's start (performance.timeOrigin) to the first block5_pool of one
 * 224×224 image from packed weights, as a CLI run or a serverless cold start would see it.
 * Prints JSON { ms, loadMs, passMs, peakRssMb }. Usage: node cold-start.js <weights.vggw> <backend> [threads]
 */
import { loadInput } from '@vggscope/image';
import { loadVgg } from '@vggscope/kernels';

const [weights, backend, threads] = process.argv.slice(2) as [string, string, string | undefined];
const image = new URL('../../../packages/cli/assets/chelsea.png', import.meta.url).pathname;
const t0 = performance.now();
const vgg = await loadVgg({ weights, backend, threads: threads ? Number(threads) : undefined });
const t1 = performance.now();
const [out] = await vgg.extract(await loadInput(image));
const t2 = performance.now();
if (!out || out.shape[3] !== 512) throw new Error('cold-start: no block5_pool');
process.stdout.write(
  JSON.stringify({ ms: t2, loadMs: t1 - t0, passMs: t2 - t1, peakRssMb: process.resourceUsage().maxRSS / 1024 }),
);
await vgg.close();
