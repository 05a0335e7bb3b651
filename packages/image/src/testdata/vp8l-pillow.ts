import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { skipNote } from '@vggscope/test-utils';
import { expect, vi } from 'vitest';
import { decodeImage } from '../decode-image.js';

// Shared by the VP8L tests that ask Pillow (Debian's python3-pil, libwebp 1.2.4) to decide.
const PYTHON = '/usr/bin/python3';
export const hasPillow = spawnSync(PYTHON, ['-c', 'import PIL, numpy'], { stdio: 'ignore' }).status === 0;
export const whyNoPillow = skipNote(!hasPillow, 'Debian python3-pil/python3-numpy not installed (apt-get install python3-pil)');

/** Prepended to every script: `case(name, bytes)` records Pillow's decision and the md5 of `convert('RGB')`. */
const COMMON = String.raw`
import base64, hashlib, io, json, sys, warnings
import numpy as np
from PIL import Image
warnings.simplefilter("ignore")
out = []
def case(name, data):
    try:
        rgb = Image.open(io.BytesIO(data)).convert("RGB")
        res = {"read": True, "md5": hashlib.md5(rgb.tobytes()).hexdigest()}
    except Exception as e:
        res = {"read": False, "error": type(e).__name__ + ": " + str(e)[:80]}
    out.append({"name": name, "webp": base64.b64encode(data).decode(), **res})
def webp(a, **kw):
    b = io.BytesIO(); Image.fromarray(a).save(b, "WEBP", lossless=True, **kw); return b.getvalue()
`;

export interface Case {
  name: string;
  webp: string;
  read: boolean;
  md5?: string;
  error?: string;
}

export function pillowCases(script: string): Case[] {
  const r = spawnSync(PYTHON, ['-c', COMMON + script], { maxBuffer: 256 << 20 });
  expect(r.status, String(r.stderr)).toBe(0);
  return JSON.parse(String(r.stdout)) as Case[];
}

/** Our decision on each case against Pillow's: the md5 of the RGB pixels, or a typed refusal. */
export function disagreements(cases: Case[]): string[] {
  const differ: string[] = [];
  // Corrupt sizes above Pillow's warning limit warn, as Pillow does; not wanted in the test's output.
  const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  for (const c of cases) {
    let ours: string;
    try {
      ours = createHash('md5')
        .update(decodeImage(Buffer.from(c.webp, 'base64'), `${c.name}.webp`).data)
        .digest('hex');
    } catch (e) {
      const code = (e as { code?: string }).code;
      // A corrupt size may exceed the pixel limit before Pillow gets to refuse it otherwise.
      if (code !== 'E_IMAGE_DECODE' && !(code === 'E_IMAGE_TOO_LARGE' && !c.read)) throw e;
      ours = 'refused';
    }
    if (ours !== (c.read ? c.md5 : 'refused'))
      differ.push(`${c.name}: Pillow ${c.read ? 'reads' : c.error}, ours ${ours}`);
  }
  warn.mockRestore();
  return differ;
}

