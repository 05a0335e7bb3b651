import { dirname, extname, relative, resolve, sep } from 'node:path';

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
    rel = sharedFolderPaths(abs);
  } else {
    const parts = abs.map((p) => p.split(sep).filter(Boolean));
    const depth = parts.map(() => 1);
    const suffix = (i: number) => parts[i]!.slice(-depth[i]!).join('/');
    for (let changed = true; changed;) {
      changed = false;
      const count = new Map<string, number>();
      for (const i of parts.keys())
        count.set(fold(stripExt(suffix(i))), (count.get(fold(stripExt(suffix(i)))) ?? 0) + 1);
      for (const i of parts.keys()) {
        if (count.get(fold(stripExt(suffix(i))))! > 1 && depth[i]! < parts[i]!.length)
          ((depth[i]! += 1), (changed = true));
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

/**
 * The deepest folder that holds every one of `dirs` (absolute paths), compared folder by folder
 * (`/p/ab` and `/p/ac` share `/p`, not `/p/a`). The output keys and the index's image paths are
 * relative to it, in folder mode and in the queue alike.
 * @example commonFolder(['/p/a', '/p/a/b', '/p/c']) // '/p'
 */
export function commonFolder(dirs: readonly string[]): string {
  let base = dirs[0]!;
  for (const d of dirs)
    while (d !== base && !d.startsWith(base.endsWith(sep) ? base : base + sep)) base = dirname(base);
  return base;
}

/**
 * Each image's path relative to the folder all of them share, with `/` on every platform: what
 * `features.jsonl`'s `image`, `images.txt` and the npz `images` array hold (the output keys are
 * these without the extension), whether the images came from a folder, a glob or a list.
 * @example sharedFolderPaths(['/p/a/x.png', 'p/b/y.png']) // with cwd '/': ['a/x.png', 'b/y.png']
 */
export function sharedFolderPaths(images: readonly string[]): string[] {
  const abs = images.map((p) => resolve(p));
  const base = commonFolder(abs.map((p) => dirname(p)));
  return abs.map((p) => relative(base, p).split(sep).join('/'));
}
