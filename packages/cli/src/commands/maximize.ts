import { basename, join } from 'node:path';
import type { RgbImage } from '@vggscope/core';
import { deprocessImage, maximize, octaveSizes } from '@vggscope/explain';
import { loadInput } from '@vggscope/image';
import { encodeNpy, probeWritable, writeFileAtomic } from '@vggscope/io';
import { loadVgg } from '@vggscope/kernels';
import { cellOrigin, createImage, GUTTER_COLOR, gridSize, rgbToRgba, writePng } from '@vggscope/viz';
import type { CommandContext } from '../context.js';
import { Progress } from '../progress.js';
import { resolveWeightsPath } from '../resolve-weights.js';
import { formatTable } from '../table.js';
import { describeWeights } from '../weights-info.js';
import { type MaximizeRun, parseMaximize } from './maximize-options.js';

export { MAXIMIZE_HELP } from './maximize-options.js';

interface PatternRecord {
  filter?: number;
  class?: number;
  png: string;
  npy: string;
  /** The objective (activation or class score) before every step and at the end. */
  objective: number[];
  /** The same minus the --tv and --l2 penalties (what the ascent maximizes); only with --tv or --l2. */
  regularized?: number[];
  /** Why the pattern is the start image, when the objective never moved. */
  note?: string;
}

export async function maximizeCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const run = parseMaximize(argv, ctx);
  if (!run) return 0;
  await probeWritable(run.outDir); // a bad --out fails now, not after minutes of ascent
  const includeTop = run.target.kind === 'class';
  const weights = await resolveWeightsPath(
    { model: run.model, includeTop, path: run.weights, offline: run.offline, quiet: run.json },
    ctx,
  );
  const t0 = performance.now();
  const { records, grid, sizes } = await runMaximize({ ...run, weights }, ctx);
  const seconds = (performance.now() - t0) / 1000;
  if (run.json) {
    const { steps, step, seed, size, jitter, rotate, tv, l2, decay, octaves, octaveScale } = run;
    const out = {
      model: run.model,
      weights: await describeWeights(weights),
      steps,
      step,
      seed,
      size,
      recipe: { jitter, rotate, tv, l2, decay, octaves, octaveScale, octaveSizes: sizes },
      seconds,
      grid,
      results: records,
    };
    ctx.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  // With --tv/--l2 the ascent maximizes the regularized objective: show it too, start → final.
  const regularized = records.some((r) => r.regularized);
  const rows = records.map((r) => [
    r.filter ?? r.class!,
    r.objective[0]!.toPrecision(4),
    r.objective.at(-1)!.toPrecision(4),
    `${(r.objective.at(-1)! / (Math.abs(r.objective[0]!) || 1)).toFixed(1)}×`,
    ...(r.regularized ? [`${r.regularized[0]!.toPrecision(4)} → ${r.regularized.at(-1)!.toPrecision(4)}`] : []),
    r.png,
  ]);
  const header = [run.target.kind, 'start', 'final', 'gain', ...(regularized ? ['regularized'] : []), 'png'];
  ctx.stdout.write(`${formatTable(header, rows)}\n`);
  for (const r of records) if (r.note) ctx.stderr.write(`note: ${run.target.kind} ${r.filter ?? r.class}: ${r.note}\n`);
  ctx.stdout.write(
    `${grid ? `grid: ${grid}\n` : ''}${records.length} pattern(s), ${run.steps} steps${run.octaves > 1 ? ` × ${run.octaves} octaves (${sizes.map(([h, w]) => `${w}×${h}`).join(', ')})` : ''}, ${seconds.toFixed(1)} s\n`,
  );
  return 0;
}

async function runMaximize(run: MaximizeRun & { weights: string }, ctx: CommandContext) {
  const includeTop = run.target.kind === 'class';
  const vgg = await loadVgg({
    model: run.model,
    weights: run.weights,
    includeTop,
    inputSize: run.size,
    layers: [includeTop ? 'predictions' : run.prefix],
    ...run.engine,
  });
  try {
    const init = run.init === undefined ? undefined : await loadInput(run.init, run.size);
    const count = run.target.kind === 'filter' ? run.target.filters.length : 1;
    const bar = new Progress(`maximize ${run.prefix}`, count * run.steps * run.octaves, {
      stream: ctx.stderr,
      quiet: run.json,
      unit: ' steps',
    });
    let stepsDone = 0;
    const r = await maximize(vgg, run.target, {
      ...run,
      init,
      // The engine's sessions have one input size: each earlier octave gets its own, closed after it.
      modelAt: (inputSize) =>
        loadVgg({
          model: run.model,
          weights: run.weights,
          inputSize: [inputSize[0], inputSize[1]],
          layers: [run.prefix],
          ...run.engine,
        }),
      onStep: (_, values) => bar.update((stepsDone += values.length)),
    });
    const ids = run.target.kind === 'filter' ? run.target.filters : run.target.classes;
    const images: RgbImage[] = [];
    const records: PatternRecord[] = [];
    for (const [i, id] of ids.entries()) {
      const base = join(run.outDir, `${run.prefix}_${id}`);
      const img = deprocessImage(r.inputs[i]!);
      images.push(img);
      await writePng(`${base}.png`, rgbToRgba(img));
      await writeFileAtomic(`${base}.npy`, encodeNpy(r.inputs[i]!));
      const objective = r.history[i]!;
      // A filter that is 0 everywhere on the start image has a zero gradient: ascent cannot begin.
      const note = objective.every((v) => v === 0)
        ? 'the objective stayed 0 (the filter never fires from this start; try --init or another --seed)'
        : undefined;
      const regularized = run.tv > 0 || run.l2 > 0 ? r.regularized[i] : undefined;
      records.push({
        [run.target.kind]: id,
        png: `${base}.png`,
        npy: `${base}.npy`,
        objective,
        ...(regularized && { regularized }),
        ...(note && { note }),
      });
    }
    const grid = ids.length > 1 ? await writeGrid(run, ids, images) : undefined;
    return { records, grid, sizes: r.sizes };
  } finally {
    await vgg.close();
  }
}

/** The patterns in a near-square grid (8×8 for 64), in filter order, titled. */
async function writeGrid(run: MaximizeRun, ids: readonly number[], images: readonly RgbImage[]): Promise<string> {
  const cols = Math.ceil(Math.sqrt(ids.length));
  const rows = Math.ceil(ids.length / cols);
  const [h, w] = run.size;
  const gutter = 4;
  const size = gridSize(cols, rows, w, h, gutter);
  const canvas = createImage(size.width, size.height, GUTTER_COLOR);
  images.forEach((img, i) => {
    const [x0, y0] = cellOrigin(i % cols, Math.floor(i / cols), w, h, gutter);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const o = ((y0 + y) * size.width + x0 + x) * 4;
        canvas.data.set(
          [img.data[(y * w + x) * 3]!, img.data[(y * w + x) * 3 + 1]!, img.data[(y * w + x) * 3 + 2]!, 255],
          o,
        );
      }
    }
  });
  const path = join(run.outDir, `${run.prefix}_grid.png`);
  const range = `${ids[0]}-${ids.at(-1)}`; // the title font has no ellipsis
  await writePng(path, canvas, {
    title: `${run.model} ${run.prefix} filters ${range} (${run.steps} steps${run.octaves > 1 ? ` × ${run.octaves} octaves` : ''}${run.init ? `, from ${basename(run.init)}` : ''})`,
  });
  return path;
}
