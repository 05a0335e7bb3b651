import { readdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { IMAGE_FILE_EXTENSIONS } from '@vggscope/image';
import { VggError } from '@vggscope/core';

// Every format the decoders read (detected from the bytes; the extension only picks folder entries).
const IMAGE_EXT = new RegExp(`\\.(${IMAGE_FILE_EXTENSIONS.join('|')})$`, 'i');

export interface ListImagesOptions {
  /** Folders: include their subfolders (globs follow their own `**`). */
  recursive?: boolean;
  /** Told when a folder (without `recursive`) has images and sub-folders that were not searched. */
  onSkippedFolders?: (folder: string, count: number) => void;
}

/**
 * Expands `--images` arguments, in order and without duplicates: a folder (its PNG/JPEG files,
 * sorted; with `recursive`, its subfolders' too), a glob through tinyglobby (`photos/*.jpg`,
 * `'photos/**\/*.png'`, `{a,b}/*.png`), or a single file. Hidden files are skipped.
 */
export async function listImages(args: readonly string[], options: ListImagesOptions = {}): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  const push = (p: string) => {
    const abs = resolve(p);
    if (!seen.has(abs)) (seen.add(abs), out.push(p));
  };
  for (const arg of args) {
    const info = await stat(arg).catch(() => undefined);
    if (!info && isDynamicPattern(arg)) {
      const found = await glob(arg, { onlyFiles: true, followSymbolicLinks: false, expandDirectories: false });
      if (found.length === 0)
        throw new VggError(
          'E_IMAGE_READ',
          `--images: no files match the pattern '${arg}' (quote it so the shell does not expand it)`,
        );
      found.sort(byPath).forEach(push);
      continue;
    }
    if (!info)
      throw new VggError(
        'E_IMAGE_READ',
        `--images: '${arg}' does not exist (give a folder, a file, or a pattern like 'photos/*.jpg' or 'photos/**/*.png')`,
      );
    if (!info.isDirectory()) {
      push(arg);
      continue;
    }
    const found = await glob(options.recursive ? '**/*' : '*', {
      cwd: arg,
      onlyFiles: true,
      followSymbolicLinks: false,
    });
    const images = found.filter((n) => IMAGE_EXT.test(n)).sort(byPath);
    images.forEach((n) => push(`${arg.replace(/[\\/]+$/, '')}/${n}`));
    if (!options.recursive && images.length > 0 && options.onSkippedFolders) {
      const subfolders = (await readdir(arg, { withFileTypes: true }).catch(() => [])).filter(
        (d) => d.isDirectory() && !d.name.startsWith('.'),
      ).length;
      if (subfolders > 0) options.onSkippedFolders(arg, subfolders);
    }
  }
  if (out.length === 0) {
    throw new VggError(
      'E_IMAGE_READ',
      `--images: no image files found in ${args.join(', ')}${options.recursive ? '' : ' (add --recursive for subfolders)'}`,
    );
  }
  return out;
}

const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export { outputKeys, RESERVED_OUTPUT_NAMES } from '@vggscope/io';
