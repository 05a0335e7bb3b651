import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cliErrors } from '../errors.js';
import { buildGraph, filterSummary, findLayer, formatShape, loadWeights, VggError } from '@vggscope/core';
import { filterGridAxes, renderFilterGrid, writePng } from '@vggscope/viz';
import type { CommandContext } from '../context.js';
import { parseModel, usageErrors, WEIGHTS_OPTIONS } from '../options.js';
import { resolveWeightsPath } from '../resolve-weights.js';
import { formatTable } from '../table.js';

export const FILTERS_HELP = `vggscope filters — the filter summary of every conv layer, and a filter grid PNG

Usage:
  npx nx run cli:filters -- [--model vgg16|vgg19] [--weights PATH] [--layer block1_conv1] [--count 6]
        [--channels 3] [--rgb] [--cell 96] [--out filters.png] [--json] [--offline]

Prints, per conv layer: Keras index, name, kernel shape (3, 3, in, out), bias shape, parameters and the
kernel's min/max. Draws the first --count filters of --layer, one row per filter and one column per input
channel (labelled B, G, R for block1_conv1: VGG's input is BGR), each 3×3 kernel normalised over the
layer's min/max (dark = small/inhibitory, light = large); rows are labelled with the filter index;
--rgb draws one colour cell per filter instead (input channels composed; VGG's input is BGR).

Examples:
  npx nx run cli:filters --                                   # first 6 filters of block1_conv1, 6×3 grid
  npx nx run cli:filters -- --rgb --count 64 --out block1_rgb.png
  npx nx run cli:filters -- --model vgg19 --layer block2_conv1 --count 8 --channels 8

Exit codes: 0 ok, 2 usage error, 4 weights error.
`;

export async function filtersCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = usageErrors('filters', () =>
    parseArgs({
      args: argv,
      strict: true,
      options: {
        ...WEIGHTS_OPTIONS,
        layer: { type: 'string', default: 'block1_conv1' },
        count: { type: 'string', default: '6' },
        channels: { type: 'string', default: '3' },
        rgb: { type: 'boolean', default: false },
        cell: { type: 'string', default: '96' },
        out: { type: 'string', default: 'filters.png' },
        json: { type: 'boolean', default: false },
      },
    }),
  );
  if (values.help) {
    ctx.stdout.write(FILTERS_HELP);
    return 0;
  }
  const model = parseModel(values.model);
  const graph = buildGraph(model);
  const layer = findLayer(graph, values.layer!);
  if (layer.spec.kind !== 'conv') {
    const convs = graph.layers.filter((l) => l.spec.kind === 'conv').map((l) => l.name);
    throw new VggError('E_USAGE', `filters: '${layer.name}' has no filters (it is a ${layer.spec.kind} layer); pick a conv layer: ${convs.join(', ')}`);
  }
  const count = positiveInt(values.count!, '--count');
  const channels = positiveInt(values.channels!, '--channels');
  const weightsPath = await resolveWeightsPath({ model, includeTop: false, path: values.weights, offline: values.offline, quiet: values.json }, ctx);
  const weights = await loadWeights(weightsPath, graph);
  const w = weights.layers.get(layer.name);
  if (!w) throw new VggError('E_WEIGHTS_MISSING', `filters: '${weightsPath}' has no weights for '${layer.name}'`);

  const gridOptions = { count, channels, mode: values.rgb ? ('rgb' as const) : ('channels' as const), cell: positiveInt(values.cell!, '--cell') };
  const img = renderFilterGrid(w.kernel, gridOptions);
  const out = resolve(values.out!);
  const what = values.rgb ? `first ${count} filters, RGB` : `first ${count} filters × ${channels} channels`;
  const png = await writePng(out, img, {
    title: `${model} ${layer.name} filters 0-${count - 1}`,
    axes: filterGridAxes(w.kernel.shape, gridOptions),
    grayscale: !values.rgb,
  });

  const rows = filterSummary(graph, weights);
  if (values.json) {
    ctx.stdout.write(`${JSON.stringify({ model, weights: weightsPath, filters: rows, png: { path: out, width: png.width, height: png.height } }, null, 2)}\n`);
    return 0;
  }
  ctx.stdout.write(
    `${formatTable(
      ['#', 'layer', 'kernel', 'bias', 'params', 'min', 'max'],
      rows.map((r) => [r.index, r.name, formatShape(r.kernelShape), formatShape(r.biasShape), r.params, r.min ?? '–', r.max ?? '–']),
    )}\n\nwrote ${out} (${png.width}×${png.height}): ${layer.name}, ${what}\n`,
  );
  return 0;
}

export function positiveInt(value: string, flag: string): number {
  return cliErrors.wholeNumber(flag, value, 1);
}
