import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { LIBWEBP_IMPORTS, LIBWEBP_WASM, webpDecodeRgb } from './libwebp-rgb.js';

const here = new URL('./testdata/', import.meta.url);
const seed = (name: string) => new Uint8Array(readFileSync(new URL(name, here)));
// Pillow 9.4's convert('RGB') of the committed seeds (testdata/seeds.pillow.json, written by Pillow).
const pillow = JSON.parse(readFileSync(new URL('seeds.pillow.json', here), 'utf8')) as {
  files: Record<string, { rgb_md5: string }>;
};
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
// The `WebAssembly` global, typed here: this package compiles without the DOM lib.
interface Described {
  name: string;
  kind: string;
  module?: string;
}
const WA = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
interface WebAssemblyApi {
  Module: (new (bytes: Uint8Array) => object) & {
    imports(m: object): Described[];
    exports(m: object): Described[];
  };
}

describe('webpDecodeRgb (libwebp 1.1.0 from @saschazar/wasm-webp, without its glue)', () => {
  it('the pinned build imports exactly the embind functions the shim supplies, and exports memory, table, malloc', () => {
    const module = new WA.Module(readFileSync(createRequire(import.meta.url).resolve(LIBWEBP_WASM)));
    const imports = WA.Module.imports(module);
    expect(imports.every((i) => i.module === 'a' && i.kind === 'function')).toBe(true);
    expect(imports.map((i) => i.name).sort()).toEqual(LIBWEBP_IMPORTS);
    const exports = Object.fromEntries(WA.Module.exports(module).map((e) => [e.name, e.kind]));
    expect(exports).toMatchObject({ z: 'memory', A: 'function', B: 'table', C: 'function' });
  });

  it.each(['seed-lossy.webp', 'seed-lossless.webp'])('%s 32×24: RGB, 3 bytes a pixel, equal to Pillow', (name) => {
    const rgb = webpDecodeRgb(seed(name))!;
    expect(rgb.length).toBe(32 * 24 * 3);
    expect(md5(rgb)).toBe(pillow.files[name]!.rgb_md5);
  });

  it('grows its heap past the initial 16 MiB: a 2400×2000 lossless file, every pixel (x & 255, y & 255, (x ^ y) & 255)', () => {
    // Made by Pillow from that formula (lossless, so the formula is the reference): 14.4 MB of RGB
    // plus libwebp's 19.2 MB ARGB image do not fit in the build's initial heap.
    const rgb = webpDecodeRgb(seed('grow-2400x2000-lossless.webp'))!;
    expect(rgb.length).toBe(2400 * 2000 * 3);
    expect(rgb.buffer.byteLength).toBeGreaterThan(32 * 2 ** 20);
    let wrong = 0;
    for (let y = 0, p = 0; y < 2000; y++)
      for (let x = 0; x < 2400; x++, p += 3)
        if (rgb[p] !== (x & 255) || rgb[p + 1] !== (y & 255) || rgb[p + 2] !== ((x ^ y) & 255)) wrong++;
    expect(wrong).toBe(0);
  });

  it('decodes after decodes (each on a fresh instance: the build frees its input twice) and refusals', () => {
    const lossy = seed('seed-lossy.webp');
    const cut = lossy.subarray(0, lossy.length - 40);
    for (let i = 0; i < 3; i++) {
      expect(webpDecodeRgb(cut)).toBeUndefined(); // libwebp returns NULL for a truncated file
      expect(md5(webpDecodeRgb(lossy)!)).toBe(pillow.files['seed-lossy.webp']!.rgb_md5);
    }
  });
});
