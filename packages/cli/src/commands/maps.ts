import { join, resolve, sep } from 'node:path';
import { cliErrors } from '../errors.js';
import {
  buildGraph,
  EXIT_CODES,
  findLayers,
  formatShape,
  lastConvOfEachBlock,
  missingWeights,
  VggError,
  type GraphLayer,
  type Vgg,
} from '@vggscope/core';
import { probeWritable } from '@vggscope/io';
import { loadVgg } from '@vggscope/kernels';
import { COLORMAP_NAMES, COLORMAPS, gridFor, renderFeatureMapGrid, writePng, type ColormapName } from '@vggscope/viz';
import { type CommandContext, DEFAULT_IMAGE } from '../context.js';
import { checkInputFits } from '../input-size.js';
import { outputKeys } from '../list-images.js';
import { IMAGE_OPTIONS, IMAGE_OPTIONS_HELP, parseImageOptions } from '../image-options.js';
import {
  ENGINE_HELP,
  ENGINE_OPTIONS,
  many,
  parseCommandArgs,
  parseEngine,
  parseGrid,
  parseColormap,
  parseModel,
  parseSize,
  WEIGHTS_OPTIONS,
} from '../options.js';
import { exitCodesHelp, RUN } from '../help.js';
import { resolveWeightsPath } from '../resolve-weights.js';
import { formatTable } from '../table.js';
import { describeWeights, weightsLine } from '../weights-info.js';
import { checkPngSize } from './filters.js';

export const MAPS_HELP = `vggscope maps — feature-map grids of one image, one PNG per layer, from one forward pass

Usage:
  ${RUN} maps [--model vgg16|vgg19] [--weights PATH] [--image PATH]... [--layer NAME|INDEX]... | --blocks
        [--count 64] [--grid ROWSxCOLS] [--colormap ${COLORMAP_NAMES.join('|')}] [--shared-scale] [--colorbar]
        [--size HxW] [--out DIR] [--offline]

Draws the first --count maps (default 64) of each layer in a grid sized from the count, as square as
possible (64 → 8×8, 16 → 4×4, 10 → 3×4); --grid fixes it (sides 1 to 64). Fewer maps than asked (a layer
with fewer channels, a --grid with fewer cells) are said on stderr. Each map is min/max-normalised on its
own (--shared-scale: one range for all), upscaled with nearest-neighbour, with a title row (layer, shape).
--blocks draws the last conv of each of the five blocks (VGG16 2, 5, 9, 13, 17; VGG19 2, 5, 10, 15, 20);
with partial weights (e.g. the first three blocks) it draws the layers they reach, names the others and exits 5.
--colorbar adds a colour bar (per-map min…max, or the shared range's values with --shared-scale).
Writes DIR/<image stem>_<layer>.png (default DIR: maps); several --image give one grid per image and layer
(images in different folders keep their relative folders under DIR). Gray figures are 8-bit grayscale PNGs.

Engine:
${ENGINE_HELP}

${IMAGE_OPTIONS_HELP}

Examples:
  ${RUN} maps --weights weights/synthetic/vgg16_notop.h5             # 64 maps of block1_conv1 in 8×8
  ${RUN} maps --blocks                                                # five PNGs, one per block
  ${RUN} maps --model vgg19 --layer block3_conv4 --colormap viridis --count 16

${exitCodesHelp(['input', 'weights', 'partial', 'output'], { partial: 'some layers not drawn (partial weights)' })}
`;

export async function mapsCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommandArgs('maps', argv, {
    ...IMAGE_OPTIONS,
    ...WEIGHTS_OPTIONS,
    ...ENGINE_OPTIONS,
    image: { type: 'string', multiple: true },
    layer: { type: 'string', multiple: true },
    blocks: { type: 'boolean', default: false },
    count: { type: 'string', default: '64' },
    grid: { type: 'string' },
    colormap: { type: 'string', default: 'gray' },
    'shared-scale': { type: 'boolean', default: false },
    colorbar: { type: 'boolean', default: false },
    size: { type: 'string' },
    out: { type: 'string', default: 'maps' },
  });
  if (values.help) {
    ctx.stdout.write(MAPS_HELP);
    return 0;
  }
  const imageOptions = parseImageOptions(values); // checked before any weights load
  const model = parseModel(values.model);
  const colormap = parseColormap(values.colormap, COLORMAP_NAMES);
  const grid = values.grid === undefined ? undefined : parseGrid('--grid', values.grid, MAX_GRID_SIDE);
  const count = cliErrors.wholeNumber('--count', values.count, 1, MAX_GRID_SIDE * MAX_GRID_SIDE);
  const inputSize = parseSize(values.size);
  const graph = buildGraph(model, { inputSize });
  checkInputFits(graph);
  if (values.blocks && values.layer) throw new VggError('E_USAGE', 'maps: give either --layer or --blocks, not both');
  const requested = values.blocks ? lastConvOfEachBlock(graph) : many(values.layer);
  const layers = findLayers(graph, requested.length ? requested : ['block1_conv1']);
  const plans = planGrids(layers, count, grid, ctx);
  const images = many(values.image);
  if (images.length === 0) images.push(DEFAULT_IMAGE);
  const keys = outputKeys(images, 'suffix');
  const outDir = resolve(values.out!);
  await probeWritable(outDir);

  const weights = await resolveWeightsPath(
    { model, includeTop: false, path: values.weights, offline: values.offline },
    ctx,
  );
  const weightsInfo = await describeWeights(weights);
  const vgg = await loadVgg({ model, weights, inputSize, layers: layers.map((l) => l.name), ...parseEngine(values) });
  // Partial weights: draw the layers they reach, name the rest (a pass stops at the deepest drawable one).
  const loaded = new Set(vgg.weights.layers);
  const drawable = layers.filter((l) => missingWeights(vgg.graph, loaded, l.index).length === 0);
  const skipped = layers.filter((l) => !drawable.includes(l));
  if (drawable.length === 0) {
    await vgg.close();
    throw new VggError(
      'E_WEIGHTS_MISSING',
      `maps: '${weights}' has no weights for ${missingWeights(vgg.graph, loaded, layers[0]!.index).join(', ')}, which ${layers.map((l) => l.name).join(', ')} need`,
    );
  }
  let written: (string | number)[][];
  try {
    written = await drawMaps(vgg, images, drawable, {
      keys,
      outDir,
      model,
      imageOptions,
      plans,
      colormap,
      sharedScale: values['shared-scale']!,
      colorbar: values.colorbar!,
    });
  } finally {
    await vgg.close();
  }
  ctx.stdout.write(
    `${formatTable(['#', 'layer', 'shape', 'png size', 'file'], written)}\n${weightsLine(weightsInfo)}\n`,
  );
  if (skipped.length === 0) return 0;
  const missing = missingWeights(vgg.graph, loaded, Math.max(...skipped.map((l) => l.index)));
  ctx.stderr.write(
    `maps: not drawn: ${skipped.map((l) => l.name).join(', ')} — '${weights}' has no weights for ${missing.join(', ')}\n`,
  );
  return EXIT_CODES.partial;
}

/** Each layer's grid (sized from --count, or --grid), refusing layers without maps and PNGs too large. */
function planGrids(
  layers: readonly GraphLayer[],
  count: number,
  grid: ReturnType<typeof parseGrid> | undefined,
  ctx: CommandContext,
): Map<string, GridPlan> {
  const plans = new Map<string, GridPlan>();
  for (const l of layers) {
    if (l.outputShape.length !== 3)
      throw new VggError(
        'E_USAGE',
        `maps: '${l.name}' has no feature maps (output ${formatShape(l.outputShape)}); pick a conv or pool layer`,
      );
    const plan = planGrid(l.name, l.outputShape[2]!, count, grid);
    checkPngSize('maps', mapsGridSize(l.outputShape, plan.rows, plan.cols), '--grid or --count smaller');
    plans.set(l.name, plan);
    if (plan.note) ctx.stderr.write(`maps: ${plan.note}\n`);
  }
  return plans;
}

interface DrawOptions {
  readonly keys: readonly string[];
  readonly outDir: string;
  readonly model: string;
  readonly imageOptions: ReturnType<typeof parseImageOptions>;
  readonly plans: ReadonlyMap<string, GridPlan>;
  readonly colormap: ColormapName;
  readonly sharedScale: boolean;
  readonly colorbar: boolean;
}

/** One grid PNG per image and layer; returns the table's rows. */
async function drawMaps(
  vgg: Vgg,
  images: readonly string[],
  layers: readonly GraphLayer[],
  d: DrawOptions,
): Promise<(string | number)[][]> {
  const written: (string | number)[][] = [];
  for (const [i, image] of images.entries()) {
    const outputs = await vgg.extract(image, { image: d.imageOptions, layers: layers.map((l) => l.name) });
    for (const o of outputs) {
      const { rows, cols, shown } = d.plans.get(o.layer)!;
      const scale = d.sharedScale ? 'shared' : 'each';
      const img = renderFeatureMapGrid(o, { rows, cols, count: shown, colormap: d.colormap, scale });
      const file = join(d.outDir, `${d.keys[i]!.split('/').join(sep)}_${o.layer}.png`);
      const range = d.sharedScale ? sharedRange(o.data, o.shape[3]!, shown) : undefined;
      const png = await writePng(file, img, {
        title: `${d.model} #${o.index} ${o.layer} ${formatShape(o.shape)}: first ${shown} maps`,
        grayscale: d.colormap === 'gray',
        colorbar: d.colorbar
          ? {
              colormap: COLORMAPS[d.colormap],
              low: range ? range.min.toPrecision(3) : 'min',
              high: range ? range.max.toPrecision(3) : 'max',
            }
          : undefined,
      });
      written.push([o.index, o.layer, formatShape(o.shape), `${png.width}×${png.height}`, file]);
    }
  }
  return written;
}

interface GridPlan {
  rows: number;
  cols: number;
  /** Maps drawn: --count, unless the layer has fewer channels or --grid has fewer cells. */
  shown: number;
  /** Why fewer than --count are drawn, for stderr. */
  note?: string;
}

/**
 * The grid of one layer: sized from the maps shown (keract's square-ish layout) unless --grid is
 * given; a --count the layer or the grid cannot hold is reduced, and the note says so.
 */
function planGrid(layer: string, channels: number, count: number, grid?: [number, number]): GridPlan {
  let shown = Math.min(count, channels);
  let note =
    count > channels ? `${layer} has ${channels} channels: drawing ${channels}, not --count ${count}` : undefined;
  if (grid && shown > grid[0] * grid[1]) {
    note = `--grid ${grid[0]}x${grid[1]} holds ${grid[0] * grid[1]} maps: drawing the first ${grid[0] * grid[1]} of ${shown} for ${layer} (drop --grid to size it from --count)`;
    shown = grid[0] * grid[1];
  }
  const { rows, cols } = grid ? { rows: grid[0], cols: grid[1] } : gridFor(shown);
  return { rows, cols, shown, note };
}

/** The range of the first `count` channels, as `renderFeatureMapGrid`'s shared scale uses it. */
function sharedRange(data: Float32Array, c: number, count: number): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let p = 0; p < data.length; p += c) {
    for (let k = 0; k < count; k++) {
      min = Math.min(min, data[p + k]!);
      max = Math.max(max, data[p + k]!);
    }
  }
  return { min, max };
}

/** The largest --grid side: 64×64 = 4,096 cells, more than any VGG layer has channels. */
export const MAX_GRID_SIDE = 64;

/** Pixels of the grid renderFeatureMapGrid draws for maps of `shape` (cells upscaled to ≥ 112 px, 2 px gutters). */
function mapsGridSize(shape: readonly number[], rows: number, cols: number): { width: number; height: number } {
  const [h, w] = shape as [number, number];
  const scale = Math.max(1, Math.floor(112 / Math.max(h, w)));
  return { width: cols * w * scale + (cols + 1) * 2, height: rows * h * scale + (rows + 1) * 2 };
}
