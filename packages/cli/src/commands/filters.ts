import { basename, dirname, extname, join, resolve } from 'node:path';
import { cliErrors } from '../errors.js';
import {
  buildGraph,
  filterSummary,
  findLayers,
  formatShape,
  VggError,
  type GraphLayer,
  type VggGraph,
} from '@vggscope/core';
import { loadWeights } from '@vggscope/weights';
import { probeWritable } from '@vggscope/io';
import { filterGridAxes, renderFilterGrid, writePng } from '@vggscope/viz';
import type { CommandContext } from '../context.js';
import { parseCommandArgs, parseModel, WEIGHTS_OPTIONS } from '../options.js';
import { describeWeights, weightsLine } from '../weights-info.js';
import { exitCodesHelp, RUN } from '../help.js';
import { resolveWeightsPath } from '../resolve-weights.js';
import { formatTable } from '../table.js';

export const FILTERS_HELP = `vggscope filters — the filter summary of every conv layer, and a filter grid PNG

Usage:
  ${RUN} filters [--model vgg16|vgg19] [--weights PATH] [--layer block1_conv1]... [--count 6]
        [--channels 3] [--rgb] [--cell 96] [--out filters.png] [--json] [--offline]

Prints, per conv layer: Keras index, name, kernel shape (3, 3, in, out), bias shape, parameters and the
kernel's min/max. Draws the first --count filters of --layer, one row per filter and one column per input
channel (labelled B, G, R for block1_conv1: VGG's input is BGR), each 3×3 kernel normalised over the
layer's min/max (dark = small/inhibitory, light = large); rows are labelled with the filter index;
--rgb draws one colour cell per filter instead (input channels composed; VGG's input is BGR).

Examples:
  ${RUN} filters --weights weights/synthetic/vgg16_notop.h5  # first 6 filters of block1_conv1, 6×3 grid
  ${RUN} filters --rgb --count 64 --out block1_rgb.png
  ${RUN} filters --model vgg19 --layer block2_conv1 --count 8 --channels 8

Several --layer: one PNG per layer (filters.png → filters_<layer>.png). Bounds: --count, --channels and
--cell from 1 to 512, and the PNG at most 64 megapixels.

${exitCodesHelp(['weights', 'output'])}
`;

export async function filtersCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommandArgs('filters', argv, {
    ...WEIGHTS_OPTIONS,
    layer: { type: 'string', multiple: true },
    count: { type: 'string', default: '6' },
    channels: { type: 'string', default: '3' },
    rgb: { type: 'boolean', default: false },
    cell: { type: 'string', default: '96' },
    out: { type: 'string', default: 'filters.png' },
    json: { type: 'boolean', default: false },
  });
  if (values.help) {
    ctx.stdout.write(FILTERS_HELP);
    return 0;
  }
  const model = parseModel(values.model);
  const graph = buildGraph(model);
  const layers = convLayers(graph, values.layer?.length ? values.layer : ['block1_conv1']);
  const count = cliErrors.wholeNumber('--count', values.count, 1, 512);
  const channels = cliErrors.wholeNumber('--channels', values.channels, 1, 512);
  const cell = cliErrors.wholeNumber('--cell', values.cell, 1, 512);
  const px = Math.max(1, Math.round(cell / 3));
  const [gridCols, gridRows] = values.rgb
    ? [Math.min(count, 8), Math.ceil(count / Math.min(count, 8))]
    : [channels, count];
  checkPngSize(
    'filters',
    { width: gridCols * 3 * px + (gridCols + 1) * 2, height: gridRows * 3 * px + (gridRows + 1) * 2 },
    '--cell, --count or --channels smaller',
  );
  const out = resolve(values.out!);
  // Several layers: one PNG each, named after the layer (filters.png → filters_block1_conv1.png).
  const outFor = (layer: string) =>
    layers.length === 1 ? out : join(dirname(out), `${basename(out, extname(out))}_${layer}${extname(out) || '.png'}`);
  await probeWritable(dirname(out));
  const weightsPath = await resolveWeightsPath(
    { model, includeTop: false, path: values.weights, offline: values.offline, quiet: values.json },
    ctx,
  );
  const weightsInfo = await describeWeights(weightsPath);
  const weights = await loadWeights(weightsPath, graph);
  const pngs: { layer: string; path: string; width: number; height: number; what: string }[] = [];
  for (const layer of layers) {
    const w = weights.layers.get(layer.name);
    if (!w) throw new VggError('E_WEIGHTS_MISSING', `filters: '${weightsPath}' has no weights for '${layer.name}'`);
    const gridOptions = { count, channels, mode: values.rgb ? ('rgb' as const) : ('channels' as const), cell };
    const img = renderFilterGrid(w.kernel, gridOptions);
    const what = values.rgb ? `first ${count} filters, RGB` : `first ${count} filters × ${channels} channels`;
    // The written size (title row, axis labels) is what is reported, not the grid's.
    const png = await writePng(outFor(layer.name), img, {
      title: `${model} ${layer.name} ${formatShape(w.kernel.shape)}: filters 0-${count - 1}`,
      axes: filterGridAxes(w.kernel.shape, gridOptions),
      grayscale: !values.rgb,
    });
    pngs.push({ layer: layer.name, path: outFor(layer.name), width: png.width, height: png.height, what });
  }

  const rows = filterSummary(graph, weights);
  if (values.json) {
    const png = pngs.length === 1 ? { png: pngs[0] } : { pngs };
    ctx.stdout.write(`${JSON.stringify({ model, weights: weightsInfo, filters: rows, ...png }, null, 2)}\n`);
    return 0;
  }
  ctx.stdout.write(renderFilters(rows, weightsInfo, pngs));
  return 0;
}

/** PNG figures stay under 64 megapixels (256 MB of RGBA): larger asks are usage errors, before any work. */
export const MAX_PNG_PIXELS = 64 * 2 ** 20;

export function checkPngSize(command: string, size: { width: number; height: number }, fix: string): void {
  if (size.width * size.height > MAX_PNG_PIXELS) {
    throw new VggError(
      'E_USAGE',
      `${command}: the PNG would be ${size.width}×${size.height} px, over the ${MAX_PNG_PIXELS / 2 ** 20} megapixel limit; make ${fix}`,
    );
  }
}

/** The layers asked for, each a conv layer (others have no filters: a usage error naming the convs). */
function convLayers(graph: VggGraph, refs: readonly (string | number)[]): GraphLayer[] {
  const layers = findLayers(graph, refs);
  for (const layer of layers) {
    if (layer.spec.kind !== 'conv') {
      const convs = graph.layers.filter((l) => l.spec.kind === 'conv').map((l) => l.name);
      throw new VggError(
        'E_USAGE',
        `filters: '${layer.name}' has no filters (it is a ${layer.spec.kind} layer); pick a conv layer: ${convs.join(', ')}`,
      );
    }
  }
  return layers;
}

/** The summary table, the weights line and what was written. */
function renderFilters(
  rows: ReturnType<typeof filterSummary>,
  weightsInfo: Awaited<ReturnType<typeof describeWeights>>,
  pngs: readonly { layer: string; path: string; width: number; height: number; what: string }[],
): string {
  return `${formatTable(
    ['#', 'layer', 'kernel', 'bias', 'params', 'min', 'max'],
    rows.map((r) => [
      r.index,
      r.name,
      formatShape(r.kernelShape),
      formatShape(r.biasShape),
      r.params,
      r.min ?? '–',
      r.max ?? '–',
    ]),
  )}\n${weightsLine(weightsInfo)}\n\n${pngs.map((p) => `wrote ${p.path} (${p.width}×${p.height}): ${p.layer}, ${p.what}`).join('\n')}\n`;
}
