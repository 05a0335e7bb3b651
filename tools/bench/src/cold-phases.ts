/**
 * Where a cold start goes: fresh processes, each timing its phases from Node's start
 * (performance.timeOrigin) to the first block5_pool of one 224² image from packed weights, medians
 * of N. Phases, in the order a CLI run meets them: Node start + module load, backend start (wasm
 * compile, thread team, warm-up), weights (read + prepare), image decode, first pass. With
 * `--compare other/cold-phases.js` (this file built in another checkout) the runs alternate between
 * the two trees, so both see the same load.
 *
 * Usage: node tools/bench/dist/cold-phases.js --weights vgg16-notop.vggw [--runs 9] [--threads 2]
 *        [--compare /path/to/other/tools/bench/dist/cold-phases.js] [--json]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface Phases {
  /** Node start → every module of the extract path loaded. */
  modules: number;
  backend: number;
  weights: number;
  decode: number;
  pass: number;
  /** Node start → first block5_pool. */
  total: number;
  peakRssMb: number;
}

const PHASES = ['modules', 'backend', 'weights', 'decode', 'pass', 'total', 'peakRssMb'] as const;

if (process.argv[2] === '--child') await child(process.argv[3]!, Number(process.argv[4]));
else parent();

async function child(weights: string, threads: number): Promise<void> {
  // What loadVgg loads (kernels, core, the weights reader, the image loader), split to time the phases;
  // `@vggscope/weights/open` where the checkout has it (the index, with converters and downloads, before).
  const { createBackend, createVgg } = await import('@vggscope/kernels');
  const { resolveVggConfig } = await import('@vggscope/core');
  const weightsEntry: string = '@vggscope/weights/open';
  const { openWeights } = (await import(weightsEntry).catch(
    () => import('@vggscope/weights'),
  )) as typeof import('@vggscope/weights');
  const { loadInput } = await import('@vggscope/image');
  const t0 = performance.now();
  const { config } = resolveVggConfig({ weights, layers: ['block5_pool'], threads });
  const backend = await createBackend('simd', { threads });
  const t1 = performance.now();
  const vgg = await createVgg(backend, config, { openWeights, loadInput, ownsBackend: true });
  const t2 = performance.now();
  const image = new URL('../../../packages/cli/assets/chelsea.png', import.meta.url).pathname;
  const input = await loadInput(image, vgg.graph.inputSize);
  const t3 = performance.now();
  const [out] = await vgg.extract(input);
  const t4 = performance.now();
  if (!out || out.shape[3] !== 512) throw new Error('cold-phases: no block5_pool');
  const phases: Phases = {
    modules: t0,
    backend: t1 - t0,
    weights: t2 - t1,
    decode: t3 - t2,
    pass: t4 - t3,
    total: t4,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(phases));
  await vgg.close();
}

function parent(): void {
  const { values } = parseArgs({
    options: {
      weights: { type: 'string' },
      runs: { type: 'string', default: '9' },
      threads: { type: 'string', default: '2' },
      compare: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.weights) throw new Error('cold-phases: --weights FILE.vggw is required');
  const self = fileURLToPath(import.meta.url);
  const trees = values.compare ? [values.compare, self] : [self];
  const runs = new Map(trees.map((t) => [t, [] as Phases[]]));
  const loads: string[] = [loadavg()];
  for (let r = 0; r < Number(values.runs); r++) {
    for (const tree of r % 2 ? [...trees].reverse() : trees) {
      const out = execFileSync(process.execPath, [tree, '--child', values.weights, values.threads], {
        encoding: 'utf8',
      });
      runs.get(tree)!.push(JSON.parse(out) as Phases);
    }
  }
  loads.push(loadavg());
  if (values.json) {
    console.log(JSON.stringify({ loadavg: loads, runs: Object.fromEntries(runs) }));
    return;
  }
  console.log(
    `${Number(values.runs)} fresh processes per tree, medians in ms; /proc/loadavg before: ${loads[0]}, after: ${loads[1]}`,
  );
  console.log(`\n| tree | ${PHASES.join(' | ')} | total min–max |\n|---|${PHASES.map(() => '---:').join('|')}|---:|`);
  for (const [tree, rs] of runs) {
    const m = (k: keyof Phases) => median(rs.map((x) => x[k])).toFixed(0);
    const totals = rs.map((x) => x.total);
    console.log(
      `| ${tree} | ${PHASES.map((k) => (k === 'total' ? `**${m(k)}**` : m(k))).join(' | ')} | ${Math.min(...totals).toFixed(0)}–${Math.max(...totals).toFixed(0)} |`,
    );
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function loadavg(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
}
