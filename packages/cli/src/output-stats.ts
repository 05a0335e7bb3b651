import { type LayerOutput, type Stats, stats, VggError } from '@vggscope/core';

/** min/mean/max of a layer output; NaN or Inf anywhere (broken weights) is an error naming the image. */
export function outputStats(o: LayerOutput, image: string): Stats {
  const s = stats(o.data);
  if (!Number.isFinite(s.mean)) {
    throw new VggError(
      'E_NON_FINITE',
      `extract: layer '${o.layer}' of '${image}' produced NaN or Inf; the weights are probably corrupt`,
    );
  }
  return s;
}
