import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage } from '../decode-image.js';
import { loadImgFromBytes } from '../load-image.js';

/** Pillow's answer for one corpus file, as make-corpus.py records it. */
export interface PillowAnswer {
  read: boolean;
  error?: string;
  mode?: string;
  size?: [number, number];
  rgb_md5?: string;
  load_nearest_md5?: string;
  load_bilinear_md5?: string;
}

export const CORPUS_DIR = join(import.meta.dirname, 'corpus');

export function corpusAnswers(dir = CORPUS_DIR): Record<string, PillowAnswer> {
  return (JSON.parse(readFileSync(join(dir, 'corpus.pillow.json'), 'utf8')) as { files: Record<string, PillowAnswer> })
    .files;
}

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

/** What we do with one file, in Pillow's terms: `ok`, or how we differ. */
export function compareWithPillow(dir: string, name: string, ref: PillowAnswer): string {
  const bytes = readFileSync(join(dir, name));
  let got: string;
  try {
    const img = decodeImage(bytes, name);
    if (!ref.read) return `we read it, Pillow refuses (${ref.error})`;
    if (img.width !== ref.size![0] || img.height !== ref.size![1])
      return `size ${img.width}×${img.height}, Pillow ${ref.size!.join('×')}`;
    if (md5(img.data) !== ref.rgb_md5) return `RGB pixels differ (Pillow mode ${ref.mode})`;
    for (const interpolation of ['nearest', 'bilinear'] as const) {
      const l = loadImgFromBytes(bytes, name, { targetSize: [7, 10], interpolation });
      if (md5(l.data) !== ref[`load_${interpolation}_md5`]) return `load_img ${interpolation} differs`;
    }
    got = 'ok';
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'E_IMAGE_DECODE' && code !== 'E_IMAGE_TOO_LARGE') return `untyped failure: ${String(e)}`;
    got = ref.read ? `we refuse (${(e as Error).message.slice(0, 160)}), Pillow reads it (mode ${ref.mode})` : 'ok';
  }
  return got;
}
