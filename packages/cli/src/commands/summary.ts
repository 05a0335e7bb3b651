import { buildGraph, formatShape, modelSummary, featureMapSizes } from '@vggscope/core';
import type { CommandContext } from '../context.js';
import { parseCommandArgs, parseModel, parsePooling, parseSize } from '../options.js';
import { exitCodesHelp, RUN } from '../help.js';
import { formatBytes, formatTable } from '../table.js';

export const SUMMARY_HELP = `vggscope summary — Keras model.summary() with the feature-map size of every layer

Usage:
  ${RUN} summary [--model vgg16|vgg19] [--size HxW] [--include-top] [--pooling avg|max] [--json]

Lists every layer with its Keras index, name and type, output shape for the input size (default 224x224),
parameters, and the bytes of one float32 activation; then the totals. No weights needed.

Examples:
  ${RUN} summary
  ${RUN} summary --model vgg19 --include-top
  ${RUN} summary --size 300x451 --json

${exitCodesHelp([])}
`;

export async function summaryCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommandArgs('summary', argv, {
    model: { type: 'string', default: 'vgg16' },
    size: { type: 'string' },
    'include-top': { type: 'boolean', default: false },
    pooling: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    ctx.stdout.write(SUMMARY_HELP);
    return 0;
  }
  const graph = buildGraph(parseModel(values.model), {
    includeTop: values['include-top'],
    inputSize: parseSize(values.size),
    pooling: parsePooling(values.pooling),
  });
  const { rows, totalParams } = modelSummary(graph);
  const sizes = featureMapSizes(graph);
  if (values.json) {
    ctx.stdout.write(
      `${JSON.stringify({ model: graph.model, inputSize: graph.inputSize, includeTop: graph.includeTop, layers: rows.map((r, i) => ({ index: i, ...r, bytes: sizes[i]!.bytes })), totalParams }, null, 2)}\n`,
    );
    return 0;
  }
  const table = formatTable(
    ['#', 'layer (type)', 'output shape', 'params', 'activation'],
    rows.map((r, i) => [
      i,
      `${r.name} (${r.type})`,
      formatShape(r.outputShape),
      r.params,
      formatBytes(sizes[i]!.bytes),
    ]),
  );
  const activations = sizes.reduce((n, s) => n + s.bytes, 0);
  ctx.stdout.write(
    `Model: "${graph.model}" · input ${graph.inputSize[0]}×${graph.inputSize[1]}×3${graph.includeTop ? ' · with top' : ''}\n${table}\n` +
      `Total params: ${totalParams.toLocaleString('en-US')} (${formatBytes(totalParams * 4)})\n` +
      `Sum of all activations for one image: ${formatBytes(activations)} (the engine holds at most two at a time)\n`,
  );
  return 0;
}
