import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { VggError } from '@vggscope/core';

const IMAGE_EXT = /\.(png|jpe?g)$/i;

/**
 * Expands `--images` arguments: a folder (its PNG/JPEG files, sorted), a glob with `*` / `?` in the
 * file-name part (`photos/*.jpg`), or a single file.
 */
export async function listImages(args: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const arg of args) {
    if (/[*?]/.test(basename(arg))) {
      const dir = dirname(arg);
      const re = new RegExp(`^${basename(arg).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
      const names = await readdir(dir).catch(() => {
        throw new VggError('E_IMAGE_READ', `--images: folder '${dir}' of the pattern '${arg}' does not exist`);
      });
      out.push(...names.filter((n) => re.test(n)).sort().map((n) => join(dir, n)));
      continue;
    }
    const info = await stat(arg).catch(() => {
      throw new VggError('E_IMAGE_READ', `--images: '${arg}' does not exist (give a folder, a file, or a pattern like 'photos/*.jpg')`);
    });
    if (info.isDirectory()) out.push(...(await readdir(arg)).filter((n) => IMAGE_EXT.test(n)).sort().map((n) => join(arg, n)));
    else out.push(arg);
  }
  if (out.length === 0) throw new VggError('E_IMAGE_READ', `--images: no PNG or JPEG files found in ${args.join(', ')}`);
  return out;
}

/** Output folder names: the file stem, or the whole file name where two stems collide. */
export function outputNames(images: readonly string[]): string[] {
  const stems = images.map((p) => basename(p, extname(p)));
  const count = new Map<string, number>();
  for (const s of stems) count.set(s, (count.get(s) ?? 0) + 1);
  return images.map((p, i) => (count.get(stems[i]!)! > 1 ? basename(p) : stems[i]!));
}
