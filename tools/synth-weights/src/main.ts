#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { buildGraph } from '@vggscope/core';
import { synthWeights } from './synth-weights.js';
import { writeLegacyH5 } from './write-legacy-h5.js';
import { writeTfjsFolder } from './write-tfjs-folder.js';

const HELP = `Generate deterministic synthetic VGG weights (He-normal, seeded) in the official Keras layout.

Usage: npx nx run synth-weights:generate -- --out FILE.h5 [--model vgg16|vgg19] [--top] [--seed N] [--tfjs DIR]

Examples:
  npx nx run synth-weights:generate -- --out weights/synthetic/vgg16_notop.h5
  npx nx run synth-weights:generate -- --model vgg19 --top --out /tmp/vgg19.h5 --tfjs /tmp/vgg19-tfjs
`;

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'vgg16' },
    top: { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
    out: { type: 'string' },
    tfjs: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help || (!values.out && !values.tfjs)) {
  process.stdout.write(HELP);
  process.exit(values.help ? 0 : 2);
}
const graph = buildGraph(values.model!, { includeTop: values.top });
const weights = synthWeights(graph, Number(values.seed));
if (values.out) {
  await writeLegacyH5(values.out, graph, weights);
  process.stdout.write(
    `wrote ${values.out} (${graph.model}, ${values.top ? 'with top' : 'no top'}, seed ${values.seed})\n`,
  );
}
if (values.tfjs) {
  await writeTfjsFolder(values.tfjs, graph, weights);
  process.stdout.write(`wrote ${values.tfjs}/model.json\n`);
}
