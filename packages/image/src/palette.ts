/**
 * A 256-entry RGB palette as Pillow holds it: entries the file does not define keep Pillow's
 * initial grey ramp (libImaging/Palette.c `ImagingPaletteNew`), so an out-of-range index i gives
 * (i, i, i) exactly as Pillow's `convert('RGB')` does.
 */
export function pillowPalette(entries: number, read: (i: number) => [number, number, number]): Uint8Array {
  const pal = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) pal.fill(i, i * 3, i * 3 + 3);
  for (let i = 0; i < Math.min(entries, 256); i++) pal.set(read(i), i * 3);
  return pal;
}

/** Index image → RGB through a palette from `pillowPalette`. */
export function applyPalette(indices: Uint8Array, pal: Uint8Array): Uint8Array {
  const out = new Uint8Array(indices.length * 3);
  for (let p = 0, q = 0; p < indices.length; p++, q += 3) {
    const i = indices[p]! * 3;
    out[q] = pal[i]!;
    out[q + 1] = pal[i + 1]!;
    out[q + 2] = pal[i + 2]!;
  }
  return out;
}
