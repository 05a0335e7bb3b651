import { VggError } from '@vggscope/core';

export interface WeightsRequest {
  model: string;
  includeTop: boolean;
  /** --weights, if given */
  path?: string;
}

/**
 * Where the CLI takes weights from. Today: the explicit --weights path.
 * TODO: VGGSCOPE_WEIGHTS, weights/ cache, Keras cache and download (the weights-lifecycle issue).
 */
export async function resolveWeights(req: WeightsRequest): Promise<string> {
  if (req.path) return req.path;
  const file = `${req.model}_weights_tf_dim_ordering_tf_kernels${req.includeTop ? '' : '_notop'}.h5`;
  throw new VggError(
    'E_WEIGHTS_NOT_FOUND',
    `no weights given. Pass --weights PATH: the official Keras file ${file}, a Keras .h5 you saved, or a tfjs model folder.\n` +
      `To try vggscope without real weights, generate synthetic ones:\n` +
      `  npx nx run synth-weights:generate -- --model ${req.model}${req.includeTop ? ' --top' : ''} --out weights/synthetic/${file}\n` +
      `  npx nx run cli:extract -- --model ${req.model} --weights weights/synthetic/${file}`,
  );
}
