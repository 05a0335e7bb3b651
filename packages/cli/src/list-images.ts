import { stat } from 'node:fs/promises';
import { dirname, extname, relative, resolve, sep } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { IMAGE_FILE_EXTENSIONS, VggError } from '@vggscope/core';

// Every format the decoders read (detected from the bytes; the extension only picks folder entries).
const IMAGE_EXT = new RegExp(`\\.(${IMAGE_FILE_EXTENSIONS.join('|')})$`, 'i');

export interface ListImagesOptions {
  /** Folders: include their subfolders (globs follow their own `**`). */
  recursive?: boolean;
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
    if (!seen.has(abs)) seen.add(abs), out.push(p);
  };
  for (const arg of args) {
    const info = await stat(arg).catch(() => undefined);
    if (!info && isDynamicPattern(arg)) {
      const found = await glob(arg, { onlyFiles: true, followSymbolicLinks: false, expandDirectories: false });
      if (found.length === 0) throw new VggError('E_IMAGE_READ', `--images: no files match the pattern '${arg}' (quote it so the shell does not expand it)`);
      found.sort(byPath).forEach(push);
      continue;
    }
    if (!info) throw new VggError('E_IMAGE_READ', `--images: '${arg}' does not exist (give a folder, a file, or a pattern like 'photos/*.jpg' or 'photos/**/*.png')`);
    if (!info.isDirectory()) {
      push(arg);
      continue;
    }
    const found = await glob(options.recursive ? '**/*' : '*', { cwd: arg, onlyFiles: true, followSymbolicLinks: false });
    found.filter((n) => IMAGE_EXT.test(n)).sort(byPath).forEach((n) => push(`${arg.replace(/[\\/]+$/, '')}/${n}`));
  }
  if (out.length === 0) {
    throw new VggError('E_IMAGE_READ', `--images: no image files found in ${args.join(', ')}${options.recursive ? '' : ' (add --recursive for subfolders)'}`);
  }
  return out;
}

const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Files the output folder holds besides the per-image folders; no image key may take their names. */
export const RESERVED_OUTPUT_NAMES = ['features.jsonl', 'features.npz', 'features.npy', 'images.txt'];

/**
 * One output key per image, unique even on case-insensitive file systems. `relative` (folder
 * mode): the image's path relative to the folder all images share, without its extension (`a/x`,
 * `b/x` for `a/x.png` and `b/x.png`), so the output tree mirrors the input tree. `suffix` (single
 * images): the file stem, with as many parent folders as it takes to tell it apart (`x`; `a/x`,
 * `b/x` when two are named x). Where a key still collides (`x.png` beside `x.jpg`) the extension is
 * kept, and a `~2`, `~3` suffix settles the rest. Keys use `/` on every platform (they are also
 * `.npz` keys) and never take the names of the run's own files (features.jsonl, …).
 * @example outputKeys(['p/a/x.png', 'p/b/x.png']) // ['a/x', 'b/x']
 */
export function outputKeys(images: readonly string[], scheme: 'relative' | 'suffix' = 'relative'): string[] {
  const abs = images.map((p) => resolve(p));
  const fold = (k: string) => k.toLowerCase();
  let rel: string[];
  if (scheme === 'relative') {
    const base = commonFolder(abs.map((p) => dirname(p)));
    rel = abs.map((p) => relative(base, p).split(sep).join('/'));
  } else {
    const parts = abs.map((p) => p.split(sep).filter(Boolean));
    const depth = parts.map(() => 1);
    const suffix = (i: number) => parts[i]!.slice(-depth[i]!).join('/');
    for (let changed = true; changed; ) {
      changed = false;
      const count = new Map<string, number>();
      for (const i of parts.keys()) count.set(fold(stripExt(suffix(i))), (count.get(fold(stripExt(suffix(i)))) ?? 0) + 1);
      for (const i of parts.keys()) {
        if (count.get(fold(stripExt(suffix(i))))! > 1 && depth[i]! < parts[i]!.length) (depth[i]! += 1), (changed = true);
      }
    }
    rel = parts.map((_, i) => suffix(i));
  }
  const stems = rel.map(stripExt);
  const count = new Map<string, number>();
  for (const s of stems) count.set(fold(s), (count.get(fold(s)) ?? 0) + 1);
  const reserved = new Set(RESERVED_OUTPUT_NAMES.map(fold));
  const taken = new Set<string>();
  return stems.map((stem, i) => {
    let key = count.get(fold(stem))! > 1 || reserved.has(fold(stem)) ? rel[i]! : stem;
    for (let n = 2; taken.has(fold(key)) || reserved.has(fold(key)); n++) key = `${rel[i]}~${n}`;
    taken.add(fold(key));
    return key;
  });
}

const stripExt = (p: string) => p.slice(0, p.length - extname(p).length);

function commonFolder(dirs: readonly string[]): string {
  let base = dirs[0]!;
  for (const d of dirs) while (d !== base && !d.startsWith(base.endsWith(sep) ? base : base + sep)) base = dirname(base);
  return base;
}

