import { deprocessImage, maximize, saliency, type SaliencyMethod, SALIENCY_METHODS } from '@vggscope/explain';
import { loadInput } from '@vggscope/image';
import { loadVgg } from '@vggscope/kernels';
import { COLORMAPS, renderHeatmapOverlay, rgbToRgba, type PngOptions, type RgbaImage } from '@vggscope/viz';
import { cliErrors } from '../errors.js';
import { displayImage } from '../commands/heatmap-files.js';
import type { ReportFigure } from './html.js';

type Fig = (
  id: string,
  title: string,
  caption: string,
  img: RgbaImage,
  options?: PngOptions,
  displayWidth?: number,
) => Promise<ReportFigure>;

export interface GradientSectionsRequest {
  readonly model: string;
  readonly weights: string;
  readonly image: string;
  readonly hasTop: boolean;
  /** `report --saliency METHOD`: a saliency map of the top-1 class (needs the top). */
  readonly saliency?: string;
  /** `report --patterns LAYER`: the first 8 filters' patterns of that layer (the Keras book's recipe). */
  readonly patterns?: string;
  readonly engine: { backend?: string; threads?: number };
}

/** Filters drawn by `report --patterns`: a row of the book's grid, minutes not hours on 2 cores. */
const PATTERN_FILTERS = [0, 1, 2, 3, 4, 5, 6, 7];

/** Checks the report's gradient flags before any work. */
export function checkGradientFlags(saliencyMethod: string | undefined): void {
  if (saliencyMethod !== undefined && !SALIENCY_METHODS.includes(saliencyMethod as SaliencyMethod))
    throw cliErrors.badValue('--saliency', SALIENCY_METHODS.join(', '), saliencyMethod);
}

/**
 * The report's optional gradient figures (each in a session of its own, so the page's main pass
 * stays as lean as before): a saliency map over the image, and filter patterns by gradient ascent.
 */
export async function gradientFigures(
  r: GradientSectionsRequest,
  fig: Fig,
): Promise<{ figures: ReportFigure[]; notes: string[] }> {
  const figures: ReportFigure[] = [];
  const notes: string[] = [];
  if (r.saliency && !r.hasTop) notes.push('--saliency needs the with-top weights (a class score): not shown.');
  if (r.saliency && r.hasTop) {
    const vgg = await loadVgg({
      model: r.model,
      weights: r.weights,
      includeTop: true,
      layers: ['predictions'],
      ...r.engine,
    });
    try {
      const s = await saliency(vgg, await loadInput(r.image, vgg.graph.inputSize), {
        method: r.saliency as SaliencyMethod,
        samples: 20,
        steps: 32,
      });
      const sorted = Float32Array.from(s.map.data).sort();
      const max = sorted[Math.floor(0.995 * (sorted.length - 1))]!;
      figures.push(
        await fig(
          `saliency-${s.method}`,
          `Saliency (${s.method}): ${s.class!.label} (${s.class!.wnid}) p=${s.probability!.toFixed(3)}`,
          'which input pixels move the top-1 class score (before softmax): max over colour channels of |attribution|, scaled to the 99.5th percentile (jet). Meaningful only with trained weights.',
          renderHeatmapOverlay(await displayImage(r.image), s.map, { max, alpha: 0.5 }),
          { colorbar: { colormap: COLORMAPS.jet, low: '0', high: `${max.toPrecision(3)}+` } },
        ),
      );
    } finally {
      await vgg.close();
    }
  }
  if (r.patterns) {
    const vgg = await loadVgg({
      model: r.model,
      weights: r.weights,
      inputSize: [150, 150],
      layers: [r.patterns],
      ...r.engine,
    });
    try {
      const m = await maximize(vgg, { kind: 'filter', layer: r.patterns, filters: PATTERN_FILTERS });
      for (const [i, f] of PATTERN_FILTERS.entries()) {
        const gain = m.history[i]!.at(-1)! / (Math.abs(m.history[i]![0]!) || 1);
        figures.push(
          await fig(
            `pattern-${r.patterns}-${f}`,
            `${r.patterns} filter ${f}`,
            `gradient ascent, 40 steps from gray + noise (the Keras book); mean activation ×${gain.toFixed(1)}.`,
            rgbToRgba(deprocessImage(m.inputs[i]!)),
          ),
        );
      }
    } finally {
      await vgg.close();
    }
  }
  return { figures, notes };
}
