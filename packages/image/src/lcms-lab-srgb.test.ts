import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labRowToSrgb, labToSrgbClut } from './lcms-lab-srgb.js';
import { loadImgFromBytes } from './load-image.js';

// Pillow 9.4 (Debian, LittleCMS 2.14): Image.frombytes('LAB', (4096, 4096), …) holding every 8-bit
// (L, a, b) once — pixel v = (v >> 16, (v >> 8) & 255, v & 255) in Pillow's internal form (a, b + 128)
// — then convert('RGB').tobytes(). Made by lcms-lab-srgb.pillow.test.ts's script; the md5 lets CI
// check all 2^24 pixels without Python.
const PILLOW_ALL_LAB_MD5 = '758ade5cb0f75b9de05191c1e059af23';

// A few of those pixels, read out of Pillow's output, for a readable failure.
const PILLOW_SAMPLES: [lab: [number, number, number], rgb: [number, number, number]][] = [
  [
    [0, 128, 128],
    [1, 0, 1],
  ], // L=0: LittleCMS's grid does not land on black…
  [
    [255, 128, 128],
    [254, 255, 254],
  ], // …nor white (the white fix-up needs a node at a=b=0)
  [
    [128, 128, 128],
    [119, 119, 119],
  ],
  [
    [0, 0, 0],
    [0, 59, 195],
  ],
  [
    [255, 255, 255],
    [255, 67, 0],
  ],
  [
    [100, 200, 50],
    [145, 7, 224],
  ],
  [
    [200, 60, 220],
    [58, 223, 0],
  ],
];

// LittleCMS 2.14 built from its source (the lcms2.14 tag) with testdata/lcms-clut.c, which makes
// Pillow's transform and writes the optimised pipeline's CLUT: 33³ × 3 uint16, little-endian, L slowest.
const LCMS_CLUT_MD5 = '2cfd78097076122d528fb45b6c42d590';

describe('LittleCMS Lab → sRGB (Pillow convert of a "LAB" image)', () => {
  it("the 33³ grid sampled from the float pipeline equals LittleCMS's own", () => {
    const t = labToSrgbClut();
    expect(t.length).toBe(33 * 33 * 33 * 3);
    expect(
      createHash('md5')
        .update(new Uint8Array(t.buffer, t.byteOffset, t.byteLength))
        .digest('hex'),
    ).toBe(LCMS_CLUT_MD5);
  });

  it('samples: black and white (off by one, as LittleCMS gives them), grey, corners, two colours', () => {
    for (const [lab, rgb] of PILLOW_SAMPLES) {
      const out = new Uint8Array(3);
      labRowToSrgb(Uint8Array.from(lab), out);
      expect([...out], `Lab ${lab.join(',')}`).toEqual(rgb);
    }
  });

  it("all 2^24 8-bit Lab values: the md5 of Pillow's output", () => {
    const md5 = createHash('md5');
    const lab = new Uint8Array(65536 * 3);
    const rgb = new Uint8Array(65536 * 3);
    for (let L = 0; L < 256; L++) {
      for (let v = 0, q = 0; v < 65536; v++, q += 3) ((lab[q] = L), (lab[q + 1] = v >> 8), (lab[q + 2] = v & 255));
      labRowToSrgb(lab, rgb);
      md5.update(rgb);
    }
    expect(md5.digest('hex')).toBe(PILLOW_ALL_LAB_MD5);
  });
});

describe('a CIE Lab TIFF through loadImg', () => {
  const file = readFileSync(join(import.meta.dirname, 'testdata', 'corpus', 'tiff_lab_fixed_raw.tif'));
  it("colorMode 'rgb' reads it (corpus.test.ts checks the pixels against Pillow)", () => {
    expect(loadImgFromBytes(file, 'lab.tif', { targetSize: null }).data.length).toBe(23 * 13 * 3);
  });
  it("colorMode 'grayscale' is refused: Pillow's convert('L') has no LAB converter, so Keras' load_img fails too", () => {
    expect(() => loadImgFromBytes(file, 'lab.tif', { colorMode: 'grayscale' })).toThrow(
      expect.objectContaining({ code: 'E_IMAGE_DECODE', message: expect.stringMatching(/LAB.*colorMode 'rgb'/) }),
    );
  });
});
