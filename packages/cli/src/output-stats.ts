import { type LayerOutput, type Stats, stats } from '@vggscope/core';
import { nonFiniteOutput } from '@vggscope/io';

/** min/mean/max of a layer output; NaN or Inf anywhere (broken weights) is an error naming the image. */
export function outputStats(o: LayerOutput, image: string): Stats {
  const s = stats(o.data);
  if (!Number.isFinite(s.mean)) throw nonFiniteOutput([o], image, 'extract: ')!;
  return s;
}
