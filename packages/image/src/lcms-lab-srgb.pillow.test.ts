import { spawnSync } from 'node:child_process';
import { skipNote } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { labRowToSrgb } from './lcms-lab-srgb.js';

// Pillow itself converts a dense grid of 8-bit Lab values at test time: every L, every a, every
// third b (and 255) — 5.6 million pixels — and each pixel must equal ours. (The committed md5 in
// lcms-lab-srgb.test.ts covers all 2^24 values without Python.)
const PYTHON = '/usr/bin/python3';
const hasPillow = spawnSync(PYTHON, ['-c', 'import PIL, numpy'], { stdio: 'ignore' }).status === 0;
const why = skipNote(!hasPillow, 'Debian python3-pil/python3-numpy not installed (apt-get install python3-pil)');

const B_VALUES = Array.from({ length: 86 }, (_, i) => i * 3); // 0, 3, …, 255
const SCRIPT = `
import sys, numpy as np
from PIL import Image
bs = np.array([${B_VALUES.join(',')}], np.uint8)
L, a, b = np.meshgrid(np.arange(256, dtype=np.uint8), np.arange(256, dtype=np.uint8), bs, indexing='ij')
raw = np.stack([L.ravel(), a.ravel() ^ 128, b.ravel() ^ 128], -1)  # rawmode LAB takes a, b signed
im = Image.frombytes('LAB', (len(bs), 256 * 256), raw.tobytes())
sys.stdout.buffer.write(im.convert('RGB').tobytes())
`;

describe.skipIf(!hasPillow)(`LittleCMS Lab → sRGB against Pillow at test time${why}`, () => {
  it(`${256 * 256 * B_VALUES.length} Lab values: every pixel equals Pillow's convert('RGB')`, () => {
    const r = spawnSync(PYTHON, ['-c', SCRIPT], { maxBuffer: 64 << 20 });
    expect(r.status, String(r.stderr)).toBe(0);
    const pillow = new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.byteLength);
    const n = 256 * 256 * B_VALUES.length;
    expect(pillow.length).toBe(n * 3);
    const lab = new Uint8Array(n * 3);
    for (let L = 0, q = 0; L < 256; L++)
      for (let a = 0; a < 256; a++) for (const b of B_VALUES) ((lab[q++] = L), (lab[q++] = a), (lab[q++] = b));
    const ours = new Uint8Array(n * 3);
    labRowToSrgb(lab, ours);
    let differ = 0;
    let maxDiff = 0;
    for (let i = 0; i < ours.length; i += 3) {
      const d = Math.max(...[0, 1, 2].map((c) => Math.abs(ours[i + c]! - pillow[i + c]!)));
      if (d) ((differ += 1), (maxDiff = Math.max(maxDiff, d)));
    }
    expect({ differ, maxDiff }).toEqual({ differ: 0, maxDiff: 0 });
  }, 30_000);

  it("Pillow refuses convert('L') of a LAB image (so load_img(color_mode='grayscale') does; so do we)", () => {
    const code =
      "from PIL import Image\ntry:\n Image.new('LAB', (2, 2)).convert('L'); print('converted')\nexcept ValueError as e: print(e)";
    const r = spawnSync(PYTHON, ['-c', code]);
    expect(String(r.stdout).trim()).toBe('conversion from LAB to RGB not supported');
  });
});
