import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { FIXTURES, fixture, skipNote } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { loadInput } from './load-image.js';

// ../shared/fixtures/keras-input/<image>_224.npy: Keras' own float32 load_img + preprocess_input
// output (see its README). Equality is exact: 0 values may differ.
const dir = FIXTURES ? fixture('keras-input') : undefined;
const files = dir && existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('_224.npy')) : [];
const why = skipNote(files.length === 0, `no keras-input/*_224.npy in ${dir ?? '../shared/fixtures'}`);

function readNpyF32(path: string): { shape: number[]; data: Float32Array } {
  const b = readFileSync(path);
  const len = b.readUInt16LE(8);
  const header = b.subarray(10, 10 + len).toString('latin1');
  if (!header.includes("'<f4'")) throw new Error(`${path}: not little-endian float32`);
  const shape = /'shape': \(([^)]*)\)/
    .exec(header)![1]!
    .split(',')
    .filter((s) => s.trim())
    .map(Number);
  return { shape, data: new Float32Array(new Uint8Array(b.subarray(10 + len)).buffer) };
}

describe.skipIf(files.length === 0)(`loadInput equals Keras' float32 input_1 bit for bit${why}`, () => {
  it.each(files)('%s', async (file) => {
    // `<image>_224.npy`: <image> is the file name, with or without its extension.
    const base = file.replace(/_224\.npy$/, '');
    const name = readdirSync(fixture('images')).find((f) => f === base || f.replace(/\.[^.]+$/, '') === base);
    if (!name) throw new Error(`no image for ${file} in ${fixture('images')}`);
    const image = fixture('images', name);
    const want = readNpyF32(fixture('keras-input', file));
    const got = await loadInput(image, [224, 224]);
    expect(got.shape).toEqual(want.shape);
    expect([...got.data].filter((v, i) => !Object.is(v, want.data[i])).length).toBe(0);
  });
});
