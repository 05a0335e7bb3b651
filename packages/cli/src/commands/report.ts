import { basename, join, resolve } from 'node:path';
import {
  buildGraph,
  featureMapSizes,
  formatShape,
  isVggError,
  lastConvOfEachBlock,
  missingWeights,
  modelSummary,
  type LayerOutput,
  type Vgg,
  type VggGraph,
} from '@vggscope/core';
import { decodePredictions, gradCamFromActivation, readTopWeights, type TopWeights } from '@vggscope/explain';
import { openWeights, resolveWeights } from '@vggscope/weights';
import { loadImg } from '@vggscope/image';
import { probeWritable, writeFileAtomic } from '@vggscope/io';
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
import { ENGINE_HELP, ENGINE_OPTIONS, parseCommandArgs, parseEngine, parseModel, WEIGHTS_OPTIONS } from '../options.js';
import { type ReportFigure, type ReportImage, renderReportHtml } from '../report/html.js';
import { resolveWeightsPath } from '../resolve-weights.js';
import { formatBytes } from '../table.js';
import { describeWeights } from '../weights-info.js';
import { exitCodesHelp, RUN } from '../help.js';
import { displayImage } from './cam.js';
import { checkGradientFlags, gradientFigures } from '../report/gradient-sections.js';

export const REPORT_HELP = `vggscope report — the whole tutorial for one or more images on one HTML page

Usage:
  ${RUN} report [--image PATH]... [--model vgg16|vgg19] [--weights PATH] [--out DIR] [--offline]
        [--saliency vanilla|smoothgrad|integrated-gradients|guided] [--patterns LAYER]

Writes DIR/report.html (default DIR: report): one self-contained page (figures inlined, no script, no
network) with the weights used and their MD5, the filter grid of block1_conv1, then for each image the
input after load_img, the top-5 predictions and the Grad-CAM overlay (when the weights have the top), its
block1_conv1 feature maps and the last conv of each block (several --image: one section each), and the
model summary and feature-map size table. Light and dark follow the reader's setting; one column on a
phone. Without --weights it uses the with-top file if one is already on this machine (never downloads
528 MiB for it), else the no-top file. --out is checked before anything is loaded.
--saliency METHOD adds a saliency map of each image's top-1 class (needs the top; see 'vggscope saliency');
--patterns LAYER adds the patterns of that layer's filters 0-7 by gradient ascent (see 'vggscope maximize').

Engine:
${ENGINE_HELP}

Examples:
  ${RUN} report --weights weights/synthetic/vgg16_notop.h5 --out report/
  ${RUN} report --image cat.jpg --image dog.jpg --out report/
  ${RUN} report --model vgg19 --weights vgg19_weights_tf_dim_ordering_tf_kernels.h5 --image cat.jpg

${exitCodesHelp(['input', 'weights', 'output'])}
`;

export async function reportCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const request = parseReport(argv);
  if (!request) {
    ctx.stdout.write(REPORT_HELP);
    return 0;
  }
  await probeWritable(request.outDir); // a bad --out fails now, not after the weights are loaded
  const model = await loadReportModel(request, ctx);
  const sections: ReportImage[] = [];
  try {
    for (const image of request.images) sections.push(await imageSection(request, model, image));
  } finally {
    await model.vgg.close();
  }
  const filters = await filterFigure(model.weights, model.graph);
  // Filter patterns do not depend on the image: one section for the page.
  const patterns = request.patterns
    ? await gradientFigures({ ...gradientRequest(request, model, request.images[0]!), patterns: request.patterns }, fig)
    : undefined;
  if (patterns) model.notes.push(...patterns.notes);
  const html = renderReportHtml({
    model: request.model,
    images: sections,
    generated: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    weights: weightsRecord(model),
    summary: modelSummary(model.graph),
    sizes: featureMapSizes(model.graph),
    filters,
    patterns: patterns?.figures,
    notes: model.notes,
  });
  const out = join(request.outDir, 'report.html');
  await writeFileAtomic(out, new TextEncoder().encode(html));
  const figures =
    (filters ? 1 : 0) +
    (patterns?.figures.length ?? 0) +
    sections.reduce(
      (n, s) => n + 1 + (s.block1 ? 1 : 0) + s.blocks.length + (s.gradCam ? 1 : 0) + (s.gradients?.length ?? 0),
      0,
    );
  const count = request.images.length;
  ctx.stdout.write(
    `wrote ${out} (${formatBytes(Buffer.byteLength(html))}; ${count} image${count > 1 ? 's' : ''}, ${figures} figures inlined)\n`,
  );
  for (const n of model.notes) ctx.stderr.write(`report: ${n}\n`);
  return 0;
}

interface ReportRequest {
  readonly model: string;
  readonly weights?: string;
  readonly offline: boolean;
  readonly images: readonly string[];
  readonly outDir: string;
  readonly saliency?: string;
  readonly patterns?: string;
  readonly engine: ReturnType<typeof parseEngine>;
}

/** The command line, checked; undefined for --help. */
function parseReport(argv: string[]): ReportRequest | undefined {
  const { values } = parseCommandArgs('report', argv, {
    ...WEIGHTS_OPTIONS,
    ...ENGINE_OPTIONS,
    image: { type: 'string', multiple: true },
    out: { type: 'string', default: 'report' },
    saliency: { type: 'string' },
    patterns: { type: 'string' },
  });
  if (values.help) return undefined;
  checkGradientFlags(values.saliency);
  return {
    model: parseModel(values.model),
    weights: values.weights,
    offline: values.offline!,
    images: values.image?.length ? values.image : [DEFAULT_IMAGE],
    outDir: resolve(values.out!),
    saliency: values.saliency,
    patterns: values.patterns,
    engine: parseEngine(values),
  };
}

interface ReportModel {
  readonly weights: string;
  readonly top: TopWeights | undefined;
  readonly graph: VggGraph;
  readonly vgg: Vgg;
  readonly lastConvs: string[];
  /** The layers these weights reach, of those the page shows. */
  readonly drawable: string[];
  readonly info: Awaited<ReturnType<typeof describeWeights>>;
  readonly notes: string[];
}

/** Finds the weights (with the top when this machine has it), loads what the page shows, and notes what it cannot. */
async function loadReportModel(r: ReportRequest, ctx: CommandContext): Promise<ReportModel> {
  const { model } = r;
  const weights =
    r.weights ??
    (await localTopWeights(model)) ??
    (await resolveWeightsPath({ model, includeTop: false, offline: r.offline }, ctx));
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
  const vgg = await loadVgg({ model, weights, includeTop: top !== undefined, layers: wanted, ...r.engine });
  const loaded = new Set(vgg.weights.layers);
  const reaches = (n: string) =>
    missingWeights(
      graph,
      loaded,
      graph.layers.findIndex((l) => l.name === n),
    ).length === 0;
  const drawable = wanted.filter(reaches);
  const skipped = wanted.filter((n) => !reaches(n));
  if (skipped.length) notes.push(`These weights do not reach ${skipped.join(', ')}: not shown.`);
  const info = await describeWeights(weights);
  if (!info.official)
    notes.push(
      'Not official weights (synthetic or your own): the figures show what these weights compute, not what ImageNet VGG sees.',
    );
  return { weights, top, graph, vgg, lastConvs, drawable, info, notes };
}

/** One image's figures, with its saliency map when asked. */
async function imageSection(r: ReportRequest, m: ReportModel, image: string): Promise<ReportImage> {
  const outputs = new Map((await m.vgg.extract(image, { layers: m.drawable })).map((o) => [o.layer, o]));
  const section = await imageReport(image, { graph: m.graph, outputs, lastConvs: m.lastConvs, top: m.top });
  const extra = await gradientFigures({ ...gradientRequest(r, m, image), saliency: r.saliency }, fig);
  m.notes.push(...extra.notes.filter((n) => !m.notes.includes(n)));
  return { ...section, gradients: extra.figures };
}

function gradientRequest(r: ReportRequest, m: ReportModel, image: string) {
  return { model: r.model, weights: m.weights, image, hasTop: m.top !== undefined, engine: r.engine };
}

function weightsRecord(m: ReportModel) {
  const { info } = m;
  return {
    path: info.path,
    format: m.vgg.weights.format,
    checksum: {
      algorithm: 'md5',
      value: info.md5,
      of: info.format === 'tfjs-layers' ? 'model.json' : basename(info.path),
    },
    layers: m.vgg.weights.layers,
    hasTop: m.top !== undefined,
    official: info.official,
  };
}

interface ImageContext {
  graph: VggGraph;
  outputs: Map<string, LayerOutput>;
  lastConvs: string[];
  top: TopWeights | undefined;
}

/**
 * Everything the page shows for one image: the input after load_img, the predictions and the
 * Grad-CAM overlay (with the top), block1_conv1's maps and the last conv of each block.
 */
async function imageReport(image: string, c: ImageContext): Promise<ReportImage> {
  const { graph, outputs, lastConvs, top } = c;
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
  const block1 = outputs.has('block1_conv1') ? await mapsFigure('block1_conv1') : undefined;
  const blocks = await Promise.all(lastConvs.filter((l) => outputs.has(l)).map(mapsFigure));
  const probs = outputs.get('predictions');
  const predictions = probs ? decodePredictions(probs, 5)[0] : undefined;
  const last = lastConvs.at(-1)!;
  const gradCam = top && probs ? await gradCamFigure(image, outputs.get(last)!, top, last) : undefined;
  return { image: resolve(image), input, block1, blocks, predictions, gradCam };
}

async function fig(
  id: string,
  title: string,
  caption: string,
  img: RgbaImage,
  options: PngOptions = {},
  displayWidth?: number,
): Promise<ReportFigure> {
  const png = await renderPng(img, options);
  return { id, title, caption, png: png.bytes, width: png.width, height: png.height, displayWidth };
}

async function filterFigure(weights: string, graph: VggGraph): Promise<ReportFigure | undefined> {
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
