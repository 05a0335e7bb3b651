import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  buildGraph,
  featureMapSizes,
  formatShape,
  isVggError,
  lastConvOfEachBlock,
  missingWeights,
  modelSummary,
} from '@vggscope/core';
import { decodePredictions, gradCamFromActivation, readTopWeights, type TopWeights } from '@vggscope/explain';
import { hashFile, openWeights, resolveWeights } from '@vggscope/weights';
import { loadImg } from '@vggscope/image';
import { writeFileAtomic } from '@vggscope/io';
import { loadVgg } from '@vggscope/kernels';
import {
  COLORMAPS,
  filterGridAxes,
  renderFeatureMapGrid,
  renderFilterGrid,
  renderHeatmapOverlay,
  renderPng,
  rgbToRgba,
  type PngOptions,
  type RgbaImage,
} from '@vggscope/viz';
import { type CommandContext, DEFAULT_IMAGE } from '../context.js';
import { ENGINE_HELP, ENGINE_OPTIONS, parseEngine, parseModel, usageErrors, WEIGHTS_OPTIONS } from '../options.js';
import { type ReportFigure, renderReportHtml } from '../report/html.js';
import { resolveWeightsPath } from '../resolve-weights.js';
import { formatBytes } from '../table.js';
import { displayImage } from './cam.js';
import { checkGradientFlags, gradientFigures } from '../report/gradient-sections.js';

export const REPORT_HELP = `vggscope report — the whole tutorial for one image on one HTML page

Usage:
  npx nx run cli:report -- [--image PATH] [--model vgg16|vgg19] [--weights PATH] [--out DIR] [--offline]
        [--saliency vanilla|smoothgrad|integrated-gradients|guided] [--patterns LAYER]

Writes DIR/report.html (default DIR: report): one self-contained page (figures inlined, no script, no
network) with the input after load_img, the top-5 predictions and the Grad-CAM overlay (when the weights
have the top), the filter grid of block1_conv1, its 64 feature maps, the last conv of each block, the
model summary, the feature-map size table, and the weights used with their MD5. Light and dark follow
the reader's setting; one column on a phone. Without --weights it uses the with-top file if one is
already on this machine (never downloads 528 MiB for it), else the no-top file.
--saliency METHOD adds a saliency map of the top-1 class (needs the top; see 'vggscope saliency');
--patterns LAYER adds the patterns of that layer's filters 0-7 by gradient ascent (see 'vggscope maximize').

Engine:
${ENGINE_HELP}

Examples:
  npx nx run cli:report -- --image cat.jpg --out report/
  npx nx run cli:report -- --model vgg19 --weights vgg19_weights_tf_dim_ordering_tf_kernels.h5 --image cat.jpg

Exit codes: 0 ok, 2 usage error, 3 image error, 4 weights error.
`;

export async function reportCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = usageErrors('report', () =>
    parseArgs({
      args: argv,
      strict: true,
      options: {
        ...WEIGHTS_OPTIONS,
        ...ENGINE_OPTIONS,
        image: { type: 'string' },
        out: { type: 'string', default: 'report' },
        saliency: { type: 'string' },
        patterns: { type: 'string' },
      },
    }),
  );
  if (values.help) {
    ctx.stdout.write(REPORT_HELP);
    return 0;
  }
  const model = parseModel(values.model);
  checkGradientFlags(values.saliency);
  const image = values.image ?? DEFAULT_IMAGE;
  const weights =
    values.weights ??
    (await localTopWeights(model)) ??
    (await resolveWeightsPath({ model, includeTop: false, offline: values.offline }, ctx));
  const notes: string[] = [];

  const top = await readTopWeights(weights, buildGraph(model, { includeTop: true })).catch((e: unknown) => {
    if (isVggError(e, 'E_WEIGHTS_MISSING')) return undefined;
    throw e;
  });
  if (!top)
    notes.push(
      `'${basename(weights)}' has no top (fc1, fc2, predictions): the page has no predictions and no Grad-CAM.`,
    );
  const graph = buildGraph(model, { includeTop: top !== undefined });
  const lastConvs = lastConvOfEachBlock(graph).map((i) => graph.layers[i]!.name);
  const wanted = ['block1_conv1', ...lastConvs, ...(top ? ['predictions'] : [])];
  const vgg = await loadVgg({ model, weights, includeTop: top !== undefined, layers: wanted, ...parseEngine(values) });
  const loaded = new Set(vgg.weights.layers);
  const drawable = wanted.filter(
    (n) =>
      missingWeights(
        graph,
        loaded,
        graph.layers.findIndex((l) => l.name === n),
      ).length === 0,
  );
  const skipped = wanted.filter((n) => !drawable.includes(n));
  if (skipped.length) notes.push(`These weights do not reach ${skipped.join(', ')}: not shown.`);
  const outputs = new Map(
    (await vgg.extract(image, { layers: drawable }).finally(() => vgg.close())).map((o) => [o.layer, o]),
  );

  const fig = async (
    id: string,
    title: string,
    caption: string,
    img: RgbaImage,
    options: PngOptions = {},
    displayWidth?: number,
  ): Promise<ReportFigure> => {
    const png = await renderPng(img, options);
    return { id, title, caption, png: png.bytes, width: png.width, height: png.height, displayWidth };
  };
  const mapsFigure = async (layer: string) => {
    const o = outputs.get(layer)!;
    const index = graph.layers.findIndex((l) => l.name === layer);
    const shown = Math.min(64, o.shape[3]!);
    const cols = Math.min(8, shown);
    const rows = Math.ceil(shown / cols);
    return fig(
      `maps-${layer}`,
      `#${index} ${layer} ${formatShape(o.shape)}`,
      `first ${shown} maps, each min–max normalised, ${rows}×${cols}.`,
      renderFeatureMapGrid(o, { rows, cols }),
      { grayscale: true },
    );
  };

  const input = await fig(
    'input-image',
    `load_img → ${graph.inputSize[1]}×${graph.inputSize[0]}`,
    'RGB, nearest-neighbour resize (as Keras); the model sees it in BGR minus the ImageNet mean.',
    rgbToRgba(await loadImg(image, graph.inputSize)),
    {},
    2 * graph.inputSize[1],
  );
  const filters = await filterFigure(weights, graph, fig);
  const block1 = outputs.has('block1_conv1') ? await mapsFigure('block1_conv1') : undefined;
  const blocks = await Promise.all(lastConvs.filter((l) => outputs.has(l)).map(mapsFigure));
  const probs = outputs.get('predictions');
  const predictions = probs ? decodePredictions(probs, 5)[0] : undefined;
  const gradCam =
    top && probs ? await gradCamFigure(image, outputs.get(lastConvs.at(-1)!)!, top, lastConvs.at(-1)!, fig) : undefined;
  const checksum = await weightsChecksum(weights);
  const extra = await gradientFigures(
    {
      model,
      weights,
      image,
      hasTop: top !== undefined,
      saliency: values.saliency,
      patterns: values.patterns,
      engine: parseEngine(values),
    },
    fig,
  );
  notes.push(...extra.notes);

  const html = renderReportHtml({
    model,
    image: resolve(image),
    generated: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    weights: {
      path: resolve(weights),
      format: vgg.weights.format,
      checksum,
      layers: vgg.weights.layers,
      hasTop: top !== undefined,
    },
    summary: modelSummary(graph),
    sizes: featureMapSizes(graph),
    input,
    filters,
    block1,
    blocks,
    predictions,
    gradCam,
    gradients: extra.figures,
    notes,
  });
  const out = join(resolve(values.out!), 'report.html');
  await writeFileAtomic(out, new TextEncoder().encode(html));
  ctx.stdout.write(
    `wrote ${out} (${formatBytes(Buffer.byteLength(html))}; ${[input, filters, block1, ...blocks, gradCam, ...extra.figures].filter(Boolean).length} figures inlined)\n`,
  );
  for (const n of notes) ctx.stderr.write(`report: ${n}\n`);
  return 0;
}

type Fig = (
  id: string,
  title: string,
  caption: string,
  img: RgbaImage,
  options?: PngOptions,
  displayWidth?: number,
) => Promise<ReportFigure>;

async function filterFigure(
  weights: string,
  graph: ReturnType<typeof buildGraph>,
  fig: Fig,
): Promise<ReportFigure | undefined> {
  const stream = await openWeights(weights, graph, new Set(['block1_conv1']));
  for await (const layer of stream.layers) {
    const options = { count: Math.min(6, layer.weights.kernel.shape[3]!), channels: 3 };
    return fig(
      'filters-block1_conv1',
      `block1_conv1 filters 0-${options.count - 1} ${formatShape(layer.weights.kernel.shape)}`,
      'one row per filter, one column per input channel (B, G, R: the input is BGR); dark = small/inhibitory, light = large/excitatory.',
      renderFilterGrid(layer.weights.kernel, options),
      { axes: filterGridAxes(layer.weights.kernel.shape, options), grayscale: true },
    );
  }
  return undefined;
}

async function gradCamFigure(
  image: string,
  a: { data: Float32Array; shape: readonly number[] },
  top: TopWeights,
  layer: string,
  fig: Fig,
): Promise<ReportFigure> {
  const cam = gradCamFromActivation(a, top, undefined, layer);
  const max = Math.max(0, ...cam.heatmap.data);
  return fig(
    'grad-cam',
    `Grad-CAM ${layer}: ${cam.class.label} (${cam.class.wnid}) p=${cam.probability.toFixed(3)}`,
    'where the top-1 class was found: the class score’s gradient, averaged per channel, weights the last conv maps (jet, α 0.4). It means something only with trained (ImageNet) weights, never with synthetic ones.',
    renderHeatmapOverlay(await displayImage(image), cam.heatmap, { max }),
    { colorbar: { colormap: COLORMAPS.jet, low: '0', high: max > 0 ? max.toPrecision(3) : '0' } },
  );
}

/** The with-top file when one is already on this machine (the report never downloads 528 MiB for it). */
async function localTopWeights(model: string): Promise<string | undefined> {
  if (model.startsWith('tiny-')) return undefined;
  return resolveWeights({ model, includeTop: true, offline: true }).then(
    (r) => r.path,
    () => undefined,
  );
}

async function weightsChecksum(path: string): Promise<{ algorithm: string; value: string; of: string }> {
  const s = await stat(path);
  const file = s.isDirectory() ? join(path, 'model.json') : path;
  return { algorithm: 'md5', value: await hashFile(file), of: s.isDirectory() ? 'model.json' : basename(file) };
}
