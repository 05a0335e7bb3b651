import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { skipNote } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { decodeImage } from './decode-image.js';

// Where Pillow's PNG decoder (libImaging/ZipDecode.c) stops early without error: the inflate call
// that completes a row also reaches the end of the zlib stream, Adler-32 checked; the rows (or
// Adam7 pixels) never decoded stay as the image memory starts, zero. Everywhere else a short
// stream is "image file is truncated". Pillow makes every case below at test time — each number
// of rows from none to all, plain and Adam7, in seven modes, with the stream's trailer in the same
// IDAT, in the next one, or one byte per IDAT, deflated or stored — decides it, and gives the md5
// of convert('RGB'); ours must agree on each. (Committed fixtures: testdata/corpus/png_stream_*.)
const PYTHON = '/usr/bin/python3';
const hasPillow = spawnSync(PYTHON, ['-c', 'import PIL, numpy'], { stdio: 'ignore' }).status === 0;
const why = skipNote(!hasPillow, 'Debian python3-pil/python3-numpy not installed (apt-get install python3-pil)');

const SCRIPT = String.raw`
import base64, hashlib, io, json, struct, sys, zlib
import numpy as np
from PIL import Image
W, H = 13, 9
MODES = {"g1": (1, 0, 1), "L": (8, 0, 8), "LA": (8, 4, 16), "RGB": (8, 2, 24), "P4": (4, 3, 4), "P8": (8, 3, 8), "RGBA16": (16, 6, 64)}
rng = np.random.default_rng(2026)
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
def rows(bits, interlace):
    dims = [(W, H)] if not interlace else [(max(0, (W - c + i - 1) // i), max(0, (H - r + j - 1) // j))
            for c, r, i, j in ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))]
    out = []
    for w, h in dims:
        if w and h:
            out += [bytes([len(out) % 5]) + bytes(rng.integers(0, 256, (w * bits + 7) // 8).astype("u1")) for _ in range(h)]
    return out
def png(depth, ct, interlace, idat_chunks):
    b = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, depth, ct, 0, 0, interlace))
    if ct == 3: b += chunk(b"PLTE", bytes(rng.integers(0, 256, 3 << depth).astype("u1")))
    return b + b"".join(chunk(b"IDAT", c) for c in idat_chunks) + chunk(b"IEND", b"")
cases = []
for mode, (depth, ct, bits) in MODES.items():
    for interlace in (0, 1):
        r = rows(bits, interlace)
        for k in range(len(r) + 1):
            for level in ((9, 0) if k in (1, len(r) // 2) else (9,)):
                z = zlib.compress(b"".join(r[:k]), level)
                splits = {"one": [z]}
                if k in (1, len(r) // 2): splits.update(trailer_next=[z[:-4], z[-4:]], bytewise=[z[i:i + 1] for i in range(len(z))])
                for how, chunks in splits.items():
                    cases.append((f"{mode}_i{interlace}_rows{k}of{len(r)}_z{level}_{how}", png(depth, ct, interlace, chunks)))
out = []
for name, data in cases:
    try:
        rgb = Image.open(io.BytesIO(data)).convert("RGB")
        res = {"read": True, "md5": hashlib.md5(rgb.tobytes()).hexdigest()}
    except Exception as e:
        res = {"read": False, "error": str(e)}
    out.append({"name": name, "png": base64.b64encode(data).decode(), **res})
json.dump(out, sys.stdout)
`;

interface Case {
  name: string;
  png: string;
  read: boolean;
  md5?: string;
  error?: string;
}

describe.skipIf(!hasPillow)(`PNG zlib streams that end early, decided by Pillow at test time${why}`, () => {
  it('every case: the same decision, and where read the same pixels', () => {
    const r = spawnSync(PYTHON, ['-c', SCRIPT], { maxBuffer: 64 << 20 });
    expect(r.status, String(r.stderr)).toBe(0);
    const cases = JSON.parse(String(r.stdout)) as Case[];
    const differ: string[] = [];
    let read = 0;
    for (const c of cases) {
      const bytes = Buffer.from(c.png, 'base64');
      let ours: string;
      try {
        ours = createHash('md5')
          .update(decodeImage(bytes, `${c.name}.png`).data)
          .digest('hex');
      } catch (e) {
        if ((e as { code?: string }).code !== 'E_IMAGE_DECODE') throw e;
        ours = 'refused';
      }
      if (ours !== (c.read ? c.md5 : 'refused'))
        differ.push(`${c.name}: Pillow ${c.read ? 'reads' : c.error}, ours ${ours}`);
      if (c.read) read++;
    }
    expect(differ).toEqual([]);
    // The sweep must hold both outcomes: reads short of the last row, and refusals.
    expect(cases.filter((c) => c.read && !/rows(\d+)of\1_/.test(c.name)).length).toBeGreaterThan(50);
    expect(cases.length - read).toBeGreaterThan(50);
  }, 30_000);
});
