import { cliErrors } from '../errors.js';
import { decodePredictions } from '@vggscope/explain';
import { loadManifest, manifestEntry } from '@vggscope/weights';
import { VggError } from '@vggscope/core';
import { loadVgg } from '@vggscope/kernels';
import { type CommandContext, DEFAULT_IMAGE } from '../context.js';
import { IMAGE_OPTIONS, IMAGE_OPTIONS_HELP, parseImageOptions } from '../image-options.js';
import {
  ENGINE_HELP,
  ENGINE_OPTIONS,
  many,
  parseCommandArgs,
  parseEngine,
  parseModel,
  WEIGHTS_OPTIONS,
} from '../options.js';
import { describeWeights, weightsLine } from '../weights-info.js';
import { exitCodesHelp, RUN } from '../help.js';
import { resolveWeightsPath } from '../resolve-weights.js';
import { formatProbability, formatTable } from '../table.js';

export const PREDICT_HELP = `vggscope predict — ImageNet top-k classes, like Keras' decode_predictions

Usage:
  ${RUN} predict [--model vgg16|vgg19] [--weights PATH] [--image PATH]... [--top 5] [--json] [--offline]

Runs the model with its top (fc1, fc2, predictions) on 224×224 inputs and prints the top-k
(wnid, label, probability) per image. Needs the with-top weights
(vgg16_weights_tf_dim_ordering_tf_kernels.h5, 528 MiB; vgg19_…, 548 MiB).

Engine:
${ENGINE_HELP}

${IMAGE_OPTIONS_HELP}

Examples:
  ${RUN} predict --image cat.jpg
  ${RUN} predict --model vgg19 --image a.png --image b.jpg --top 3 --json

Probabilities under 0.01% print as <0.01% (the JSON has the exact value).

${exitCodesHelp(['input', 'weights'])}
`;

export async function predictCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommandArgs('predict', argv, {
    ...IMAGE_OPTIONS,
    ...WEIGHTS_OPTIONS,
    ...ENGINE_OPTIONS,
    image: { type: 'string', multiple: true },
    top: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  });
  if (values.help) {
    ctx.stdout.write(PREDICT_HELP);
    return 0;
  }
  const imageOptions = parseImageOptions(values); // checked before any weights load
  const model = parseModel(values.model);
  const top = cliErrors.wholeNumber('--top', values.top, 1, 1000);
  const images = many(values.image);
  if (images.length === 0) images.push(DEFAULT_IMAGE);

  const weights = await resolveWeightsPath(
    { model, includeTop: true, path: values.weights, offline: values.offline, quiet: values.json },
    ctx,
  );
  const weightsInfo = await describeWeights(weights);
  const vgg = await loadVgg({ model, weights, includeTop: true, layers: ['predictions'], ...parseEngine(values) });
  try {
    const missing = ['fc1', 'fc2', 'predictions'].filter((l) => !vgg.weights.layers.includes(l));
    if (missing.length) {
      const entry = manifestEntry(loadManifest(), vgg.graph.model, true);
      throw new VggError(
        'E_WEIGHTS_MISSING',
        `predict needs the top weights (${missing.join(', ')}), which '${weights}' does not have (a no-top file?). ` +
          `Use the official ${entry.name} (${(entry.bytes / 2 ** 20).toFixed(1)} MiB, from ${new URL(entry.urls[0]!).host}): ` +
          `run without --weights to fetch it, or 'npx vggscope weights fetch --model ${vgg.graph.model} --top'`,
      );
    }
    const results = [];
    for (const image of images) {
      const [probs] = await vgg.extract(image, { image: imageOptions });
      results.push({ image, predictions: decodePredictions(probs!, top)[0]! });
    }
    if (values.json) ctx.stdout.write(`${JSON.stringify({ model, weights: weightsInfo, results }, null, 2)}\n`);
    else {
      for (const r of results) {
        const rows = r.predictions.map((p, i) => [i + 1, p.wnid, p.label, formatProbability(p.probability)]);
        ctx.stdout.write(
          `${model} · ${r.image}\n${formatTable(['#', 'wnid', 'label', 'probability'], rows)}\n${weightsLine(weightsInfo)}\n\n`,
        );
      }
    }
    return 0;
  } finally {
    await vgg.close();
  }
}
