import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { VggError, wrapError } from '@vggscope/core';
import type { VggGraph } from '@vggscope/core';
import { matchToGraph } from './match-graph.js';
import { PACKED_MAGIC, readPacked } from './packed.js';
import { readKerasH5 } from './read-keras-h5.js';
import { readTfjsFolder } from './read-tfjs-folder.js';
import type { WeightSet } from '@vggscope/core';

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export interface LoadWeightsOptions {
  /** Read only these layers' tensors (the ones the requested outputs need). */
  readonly only?: ReadonlySet<string>;
}

/**
 * Loads VGG weights from a Keras `.h5`, a tfjs layers-model folder (or its `model.json`) or a
 * vggscope packed `.vggw` file, and
 * validates every tensor against the graph. Layers the source lacks are simply absent from the
 * result; running a layer that needs them fails with E_WEIGHTS_MISSING.
 */
export async function loadWeights(path: string, graph: VggGraph, options: LoadWeightsOptions = {}): Promise<WeightSet> {
  const kind = await sniff(path);
  if (kind.type === 'tfjs') {
    const t = await readTfjsFolder(kind.modelJson, options.only);
    return matchToGraph(
      graph,
      t.layers,
      { source: path, format: 'tfjs-layers', bytesRead: t.bytesRead, unavailable: t.unavailable },
      options.only,
    );
  }
  if (kind.type === 'packed') return readPacked(path, graph, options.only);
  const h5 = await readKerasH5(path, { only: options.only });
  return matchToGraph(graph, h5.layers, { source: path, format: 'keras-h5', bytesRead: h5.bytesRead }, options.only);
}

type Sniffed = { type: 'tfjs'; modelJson: string } | { type: 'h5' } | { type: 'packed' };

async function sniff(path: string): Promise<Sniffed> {
  const info = await stat(path).catch((e: unknown) => {
    throw wrapError(
      'E_WEIGHTS_NOT_FOUND',
      `weights '${path}' not found (give a Keras .h5 file or a tfjs model folder)`,
      e,
    );
  });
  if (info.isDirectory()) {
    const modelJson = join(path, 'model.json');
    if (
      !(await stat(modelJson).then(
        () => true,
        () => false,
      ))
    ) {
      throw new VggError(
        'E_WEIGHTS_FORMAT',
        `weights folder '${path}' has no model.json; a TensorFlow.js layers-model folder is expected`,
      );
    }
    return { type: 'tfjs', modelJson };
  }
  const head = new Uint8Array(8);
  const fh = await open(path, 'r');
  try {
    await fh.read(head, 0, 8, 0);
  } finally {
    await fh.close();
  }
  if (HDF5_SIGNATURE.every((b, i) => head[i] === b)) return { type: 'h5' };
  if (new TextDecoder().decode(head) === PACKED_MAGIC) return { type: 'packed' };
  if (head[0] === 0x7b /* { */) return { type: 'tfjs', modelJson: path };
  if (head[0] === 0x50 && head[1] === 0x4b) {
    throw new VggError(
      'E_WEIGHTS_FORMAT',
      `'${path}' is a zip (a Keras 3 .keras file?); extract its weights first: unzip -p '${path}' model.weights.h5 > model.weights.h5`,
    );
  }
  throw new VggError(
    'E_WEIGHTS_FORMAT',
    `'${path}' is neither HDF5 (.h5) nor a tfjs model.json; first bytes: ${Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ')}`,
  );
}
