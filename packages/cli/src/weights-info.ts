import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { hashFile, isPackedFile, officialByMd5, readPackedHeader, stampedMd5 } from '@vggscope/weights';
import type { WeightFormat } from '@vggscope/core';
import { formatBytes } from './table.js';

/** Which weights produced a result: printed under every table, and in every JSON output. */
export interface WeightsInfo {
  path: string;
  /** The same names as the loaded weights' `format` (core's WeightFormat), everywhere they are shown. */
  format: Exclude<WeightFormat, 'synthetic'>;
  bytes: number;
  /** md5 of the file (of model.json for a tfjs folder): compare with the README's table of official files. */
  md5: string;
  /**
   * True only for an official Keras file (md5 in the manifest) or a packed file converted from one
   * (its header records the source md5); synthetic, fine-tuned and tfjs weights are not official.
   */
  official: boolean;
}

/**
 * Describes a weights path for provenance: absolute path, format, size and md5 (the official
 * Keras files are identified by their md5). Never throws: a path that cannot be read is described
 * as far as it can be.
 */
export async function describeWeights(path: string): Promise<WeightsInfo> {
  const abs = resolve(path);
  const info = await stat(abs).catch(() => undefined);
  if (info?.isDirectory()) {
    const names = await readdir(abs).catch(() => [] as string[]);
    const sizes = await Promise.all(
      names.map((n) =>
        stat(join(abs, n)).then(
          (s) => (s.isFile() ? s.size : 0),
          () => 0,
        ),
      ),
    );
    const md5 = await hashFile(join(abs, 'model.json')).catch(() => '?');
    return { path: abs, format: 'tfjs-layers', bytes: sizes.reduce((a, b) => a + b, 0), md5, official: false };
  }
  const packed = await isPackedFile(abs).catch(() => false);
  // A verified cached file's stamp holds its md5: hashing it again took ≈ 0.13 s of every run (VGG16 no-top).
  const md5 = (packed ? stampedMd5(abs) : undefined) ?? (await hashFile(abs).catch(() => '?'));
  const sourceMd5 = packed ? (await readPackedHeader(abs).catch(() => undefined))?.source.md5 : md5;
  return {
    path: abs,
    format: packed ? 'packed' : 'keras-h5',
    bytes: info?.size ?? 0,
    md5,
    official: officialByMd5(sourceMd5) !== undefined,
  };
}

/** `weights: /abs/vgg16-notop.vggw (packed, 56.2 MiB, md5 6d6bbae1…)`, plus a label unless official */
export function weightsLine(w: WeightsInfo): string {
  const label = w.official ? '' : ' — not official (synthetic or your own weights)';
  return `weights: ${w.path} (${w.format}, ${formatBytes(w.bytes)}, md5 ${w.md5})${label}`;
}
