import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type VggGraph, type WeightSet, weightedLayers } from '@vggscope/core';
import { writeFileAtomic } from '@vggscope/io';
import { kerasModelConfig } from './keras-config.js';

const SHARD_BYTES = 4 * 1024 * 1024;

/**
 * Writes a TensorFlow.js layers-model folder as the current converter does: one weight group,
 * 4 MiB shards (weights may straddle shards), names `<layer>/kernel` and `<layer>/bias`.
 */
export async function writeTfjsFolder(dir: string, graph: VggGraph, weights: WeightSet): Promise<void> {
  await mkdir(dir, { recursive: true });
  const entries: { name: string; shape: number[]; dtype: 'float32' }[] = [];
  const chunks: Uint8Array[] = [];
  for (const layer of weightedLayers(graph)) {
    const w = weights.layers.get(layer.name);
    if (!w) continue;
    for (const [role, t] of [
      ['kernel', w.kernel],
      ['bias', w.bias],
    ] as const) {
      entries.push({ name: `${layer.name}/${role}`, shape: [...t.shape], dtype: 'float32' });
      chunks.push(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
  }
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const count = Math.max(1, Math.ceil(total / SHARD_BYTES));
  const paths = Array.from({ length: count }, (_, i) => `group1-shard${i + 1}of${count}.bin`);
  const all = Buffer.concat(chunks);
  for (let i = 0; i < count; i++) {
    await writeFile(join(dir, paths[i]!), all.subarray(i * SHARD_BYTES, Math.min(total, (i + 1) * SHARD_BYTES)));
  }
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'vggscope synth-weights',
    convertedBy: null,
    modelTopology: { keras_version: '2.15.0', backend: 'tensorflow', model_config: kerasModelConfig(graph) },
    weightsManifest: [{ paths, weights: entries }],
  };
  await writeFileAtomic(join(dir, 'model.json'), new TextEncoder().encode(JSON.stringify(modelJson)));
}
