import { resolveWeights } from '@vggscope/weights';
import type { CommandContext } from './context.js';
import { Progress } from './progress.js';

export interface WeightsRequest {
  model: string;
  includeTop: boolean;
  /** --weights, if given */
  path?: string;
  offline?: boolean;
  quiet?: boolean;
}

/**
 * Core's resolution order (explicit path → VGGSCOPE_WEIGHTS / weights/ → Keras cache → download),
 * with a download progress bar and status lines on stderr.
 */
export async function resolveWeightsPath(req: WeightsRequest, ctx: CommandContext): Promise<string> {
  let bar: Progress | undefined;
  const resolved = await resolveWeights({
    model: req.model,
    includeTop: req.includeTop,
    path: req.path,
    offline: req.offline,
    onStatus: (m) => req.quiet || ctx.stderr.write(`${m}\n`),
    onProgress: (done, total) => {
      bar ??= new Progress('download', total, { kind: 'bytes', stream: ctx.stderr, quiet: req.quiet });
      bar.update(done, total);
    },
  });
  return resolved.path;
}
