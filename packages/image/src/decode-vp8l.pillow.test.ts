import { describe, expect, it } from 'vitest';
import { disagreements, hasPillow, pillowCases, whyNoPillow as why } from './testdata/vp8l-pillow.js';

// Lossless WebP decoded by our streaming VP8L decoder against Pillow (libwebp 1.2.4 on Debian),
// on files Pillow's encoder makes at test time: every transform (predictor, cross-colour, subtract
// green, colour indexing with 1, 2, 4 and 8 bits a pixel), predictor modes 0–13, the colour cache,
// meta prefix codes, plane-coded and long backward references (one file whose references reach
// 800,000 pixels back, past the wrap of the decoder's ring of rows), alpha, VP8X files; then
// corruptions of seed files (bit flips, byte stomps, truncations of the file or of the bitstream
// alone), where Pillow decides: the same pixels, or a refusal.
const SWEEP = String.raw`
def content(kind, w, h):
    yy, xx = np.mgrid[0:h, 0:w]
    if kind == "gradient":
        a = np.stack([(xx * 255 // max(w - 1, 1)), (yy * 255 // max(h - 1, 1)), ((xx + yy) * 7) % 256], -1)
    elif kind == "noise":
        a = rng.integers(0, 256, (h, w, 3))
    elif kind.startswith("pal"):
        k = int(kind[3:])
        pal = rng.integers(0, 256, (k, 3))
        a = pal[rng.integers(0, k, (h, w)) if rng.random() < 0.5 else ((xx // 3 + yy // 2) % k)]
    elif kind == "smooth":
        a = np.stack([(np.sin(xx / 5.0) * 60 + 120 + rng.integers(0, 6, (h, w))), (yy * 3) % 256, (xx * yy) % 256], -1)
    elif kind == "repeat":
        a = np.tile(rng.integers(0, 256, (5, 7, 3)), (h // 5 + 1, w // 7 + 1, 1))[:h, :w]
    elif kind == "photo":
        f = np.cumsum(np.cumsum(rng.normal(0, 1, (h, w, 3)), 0), 1)
        a = (f - f.min()) / max(np.ptp(f), 1e-9) * 255
    elif kind == "diag":
        a = np.stack([(xx - yy) * 5 % 256, (xx * 2 + yy) % 256, (yy * 9 - xx * 3) % 256], -1) + rng.integers(0, 3, (h, w, 3))
    elif kind == "blocks":  # 16x16 blocks constant along one direction each: the encoder picks varied predictors
        a = np.zeros((h, w, 3))
        for by in range(0, h, 16):
            for bx in range(0, w, 16):
                t = int(rng.integers(0, 8)); v = rng.integers(0, 256, (64, 3))
                ys, xs = yy[by:by+16, bx:bx+16], xx[by:by+16, bx:bx+16]
                key = [xs + ys, xs - ys + 32, ys, xs, ys * 0, xs * 3 + ys * 2, (xs + ys) // 2, (xs * 5 + ys * 3) // 4][t] % 64
                a[by:by+16, bx:bx+16] = v[key] * (t != 4)
    else:
        a = np.zeros((h, w, 3))
    return np.clip(a, 0, 255).astype("u1")
kinds = ["gradient", "noise", "pal2", "pal3", "pal4", "pal11", "pal16", "pal17", "pal200", "pal256", "smooth", "repeat", "flat", "photo", "diag", "photo", "blocks", "blocks"]
sizes = [(1, 1), (1, 9), (9, 1), (2, 3), (3, 5), (7, 4), (8, 8), (13, 11), (16, 3), (31, 17), (64, 9), (127, 5), (200, 23), (257, 41), (96, 64), (128, 96), (61, 77)]
for seed in (19, 7, 8):
    rng = np.random.default_rng(seed)
    for i in range(200):
        kind = kinds[i % len(kinds)]
        w, h = sizes[rng.integers(len(sizes))]
        a = content(kind, w, h)
        im, mode, r = Image.fromarray(a, "RGB"), "RGB", rng.random()
        if r < 0.3:
            alpha = rng.integers(0, 256, (h, w)) if rng.random() < 0.5 else np.where((np.arange(w)[None, :] + np.arange(h)[:, None]) % 3 == 0, 0, 255)
            im, mode = Image.fromarray(np.dstack([a, alpha.astype("u1")]), "RGBA"), "RGBA"
        elif r < 0.4 and kind.startswith("pal"):
            im, mode = im.quantize(colors=int(kind[3:])), "P"
        method, quality, exact = int(rng.integers(0, 7)), int(rng.choice([0, 10, 50, 75, 90, 100])), bool(rng.random() < 0.5)
        extra = {"exif": b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00"} if i % 25 == 3 else {}
        b = io.BytesIO(); im.save(b, "WEBP", lossless=True, method=method, quality=quality, exact=exact, **extra)
        case(f"s{seed}_{i}_{kind}_{mode}_{w}x{h}_m{method}_q{quality}_e{int(exact)}{'_vp8x' if extra else ''}", b.getvalue())
# Rows repeating with a period of 200 rows of 4000 pixels: references 800,000 pixels back.
rng = np.random.default_rng(5)
block = rng.integers(0, 4, (200, 4000, 3)).astype("u1") * 60
case("far_refs_4000x490", webp(np.concatenate([block, block, block[:90]]), method=0, quality=90))
json.dump(out, sys.stdout)
`;

const CORRUPT = String.raw`
rng = np.random.default_rng(2026)
yy, xx = np.mgrid[0:23, 0:37]
base = np.stack([xx * 7 % 256, yy * 11 % 256, (xx * yy) % 256], -1).astype("u1")
pal = rng.integers(0, 256, (16, 3)).astype("u1")[(xx // 4 + yy // 3) % 16]
noise = rng.integers(0, 256, (23, 37, 3)).astype("u1")
seeds = [webp(base, method=4), webp(pal, method=6), webp(noise, method=0), webp(np.dstack([base, noise[:, :, 0]]), method=3, quality=100),
         webp(base[:, :5], method=2), webp(base, exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00"), webp(np.dstack([pal, noise[:, :, 1]]), icc_profile=b"x" * 9)]
for i in range(3500):
    s = bytearray(seeds[i % len(seeds)])
    r = rng.random()
    if r < 0.25:  # the bitstream cut short, the RIFF and chunk sizes made to agree
        s = s[:int(rng.integers(21, len(s)))]
        s[4:8] = (len(s) - 8).to_bytes(4, "little")
        if s[12:16] == b"VP8L": s[16:20] = (len(s) - 20).to_bytes(4, "little")
    elif r < 0.35:
        s = s[:int(rng.integers(0, len(s)))]
    else:
        for _ in range(int(rng.integers(1, 4))):
            p = int(rng.integers(21 if rng.random() < 0.8 else 4, len(s)))
            if rng.random() < 0.5: s[p] ^= 1 << int(rng.integers(0, 8))
            else: s[p] = int(rng.integers(0, 256))
    case(f"mutant{i}", bytes(s))
json.dump(out, sys.stdout)
`;

describe.skipIf(!hasPillow)(`lossless WebP (VP8L) decoded as Pillow decodes it${why}`, () => {
  it('600 files over every transform, palette bundling, cache, meta code and content; one with references past the ring', () => {
    const cases = pillowCases(SWEEP);
    expect(cases.length).toBe(601);
    expect(cases.every((c) => c.read)).toBe(true);
    expect(disagreements(cases)).toEqual([]);
  }, 60_000);

  it('3,500 corruptions of 7 seeds: the same pixels where Pillow reads, a refusal where it refuses', () => {
    const cases = pillowCases(CORRUPT);
    expect(disagreements(cases)).toEqual([]);
    // Both outcomes must be well represented.
    expect(cases.filter((c) => c.read).length).toBeGreaterThan(500);
    expect(cases.filter((c) => !c.read).length).toBeGreaterThan(2000);
  }, 60_000);
});
