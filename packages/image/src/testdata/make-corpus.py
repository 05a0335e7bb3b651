"""Makes the Pillow corpus: small edge-case images in every format and variant, and what Pillow 9.4
decides for each (read or refused) and, where read, the md5 of `convert('RGB')` and of Keras'
`load_img` at two sizes. `corpus.test.ts` checks vggscope against corpus.pillow.json without Python.

Run with Debian's python3-pil (and libtiff-tools for tiffcp's variants, libjpeg-turbo-progs for cjpeg):
    /usr/bin/python3 packages/image/src/testdata/make-corpus.py [out_dir]
Deterministic: the same Pillow and tools give the same files and the same JSON, except the bytes of the
tiff_LAB_* files (Pillow's RGB→LAB conversion varied in one pixel between runs here; their RGB md5s did not);
lab_cases() makes its Lab TIFFs from fixed bytes instead.
"""
import hashlib, io, json, os, shutil, struct, subprocess, sys, tempfile, zlib
import numpy as np
from PIL import Image, ImageFile

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
os.makedirs(OUT, exist_ok=True)
CASES = {}  # name -> bytes


def photo(w, h, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    base = np.stack([128 + 100 * np.sin(x / 5 + c) * np.cos(y / 4 - c) for c in range(3)], -1)
    return np.clip(base + rng.normal(0, 30, (h, w, 3)), 0, 255).astype(np.uint8)


def pil(w, h, seed, mode="RGB"):
    im = Image.fromarray(photo(w, h, seed))
    if mode == "P":
        return im.quantize(colors=40)
    if mode in ("RGBA", "LA", "PA"):
        a = Image.fromarray(photo(w, h, seed + 100)[..., 0])
        im = im.convert(mode[:-1] if mode != "PA" else "RGB")
        im.putalpha(a)
        return im
    return im.convert(mode)


def saved(im, fmt, **kw):
    b = io.BytesIO()
    im.save(b, fmt, **kw)
    return b.getvalue()


# ---------------------------------------------------------------- PNG, written by hand
def chunk(t, data, crc=None):
    body = t + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) if crc is None else crc)


CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def raw_rows(w, h, depth, ct, seed, filters=(0, 1, 2, 3, 4), rng_max=None):
    """Random samples, each row filtered with the given filter types in turn (so unfiltering is exercised)."""
    rng = np.random.default_rng(seed)
    bpp_bits = depth * CHANNELS[ct]
    row_bytes = (w * bpp_bits + 7) // 8
    rows = []
    maxv = rng_max if rng_max is not None else (1 << depth) - 1
    prev = bytearray(row_bytes)
    for y in range(h):
        if depth >= 8:
            vals = rng.integers(0, maxv + 1, w * CHANNELS[ct])
            row = bytearray(vals.astype(">u2" if depth == 16 else "u1").tobytes())
        else:
            vals = rng.integers(0, maxv + 1, w)
            bits = "".join(format(int(v), f"0{depth}b") for v in vals)
            bits += "0" * (-len(bits) % 8)
            row = bytearray(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))
        f = filters[y % len(filters)]
        rows.append(bytes([f]) + filt(f, row, prev, max(1, bpp_bits // 8)))
        prev = row
    return rows


def filt(f, row, prev, bpp):
    out = bytearray(len(row))
    for i in range(len(row)):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 0: p = 0
        elif f == 1: p = a
        elif f == 2: p = b
        elif f == 3: p = (a + b) // 2
        else:
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            p = a if pa <= pb and pa <= pc else b if pb <= pc else c
        out[i] = (row[i] - p) & 255
    return bytes(out)


def adam7_rows(w, h, depth, ct, seed):
    rng = np.random.default_rng(seed)
    img = rng.integers(0, (1 << depth), (h, w, CHANNELS[ct]))
    out = []
    for sx, sy, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]:
        sub = img[sy::dy, sx::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        for r in sub:
            flat = r.reshape(-1)
            if depth >= 8:
                row = flat.astype(">u2" if depth == 16 else "u1").tobytes()
            else:
                bits = "".join(format(int(v), f"0{depth}b") for v in flat) 
                bits += "0" * (-len(bits) % 8)
                row = bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))
            out.append(b"\0" + row)
    return out


def png(w, h, depth, ct, seed=1, interlace=0, before=(), after=(), idat=None, plte=None, split=1, tail=b""):
    ihdr = struct.pack(">IIBBBBB", w, h, depth, ct, 0, 0, interlace)
    if idat is None:
        rows = adam7_rows(w, h, depth, ct, seed) if interlace else raw_rows(w, h, depth, ct, seed)
        idat = zlib.compress(b"".join(rows), 9)
    if ct == 3 and plte is None:
        plte = bytes(np.random.default_rng(seed + 7).integers(0, 256, 3 * (1 << depth)).astype("u1"))
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    if plte is not None:
        out += chunk(b"PLTE", plte)
    for c in before:
        out += c
    n = max(1, split)
    step = max(1, -(-len(idat) // n))
    for i in range(0, max(1, len(idat)), step):
        out += chunk(b"IDAT", idat[i:i + step])
    for c in after:
        out += c
    return out + chunk(b"IEND", b"") + tail


def png_cases():
    # Every bit depth × colour type PNG allows, plain and Adam7.
    for ct, depths in {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}.items():
        for d in depths:
            CASES[f"png_ct{ct}_d{d}.png"] = png(13, 11, d, ct, seed=ct * 100 + d)
            CASES[f"png_ct{ct}_d{d}_adam7.png"] = png(13, 11, d, ct, seed=ct * 100 + d + 1, interlace=1)
    CASES["png_adam7_1x1.png"] = png(1, 1, 8, 2, interlace=1)
    CASES["png_adam7_3x2.png"] = png(3, 2, 8, 6, interlace=1)
    CASES["png_16bit_gray_low.png"] = png(9, 7, 16, 0, idat=zlib.compress(b"".join(raw_rows(9, 7, 16, 0, 5, rng_max=300))))
    # Transparency: tRNS in every mode, in range, out of range, short, after the image data.
    trns = {"gray": (0, 8, struct.pack(">H", 17)), "gray_big": (0, 8, struct.pack(">H", 300)), "gray16": (0, 16, struct.pack(">H", 1000)),
            "gray1": (0, 1, struct.pack(">H", 1)), "rgb": (2, 8, struct.pack(">HHH", 1, 2, 3)), "rgb_big": (2, 8, struct.pack(">HHH", 300, 2, 70000 % 65536)),
            "rgb16": (2, 16, struct.pack(">HHH", 999, 2, 3)), "pal_simple": (3, 8, b"\xff\xff\x00"), "pal_alphas": (3, 8, bytes(range(0, 250, 10))),
            "pal_long": (3, 4, bytes(300)), "rgba_ignored": (6, 8, b"\x00\x01"), "la_ignored": (4, 8, b"\x00")}
    for name, (ct, d, data) in trns.items():
        CASES[f"png_trns_{name}.png"] = png(12, 9, d, ct, seed=len(name), before=[chunk(b"tRNS", data)])
    CASES["png_trns_gray_short.png"] = png(12, 9, 8, 0, before=[chunk(b"tRNS", b"\x01")])
    CASES["png_trns_rgb_short.png"] = png(12, 9, 8, 2, before=[chunk(b"tRNS", b"\0\1\0\2")])
    CASES["png_trns_after_idat_short.png"] = png(12, 9, 8, 0, after=[chunk(b"tRNS", b"\x01")])
    CASES["png_trns_after_idat.png"] = png(12, 9, 8, 2, after=[chunk(b"tRNS", struct.pack(">HHH", 5, 6, 7))])
    # Palettes: short (indices past the end), missing, oversized.
    CASES["png_plte_short.png"] = png(12, 9, 8, 3, plte=bytes(range(30)))
    CASES["png_plte_ragged.png"] = png(12, 9, 4, 3, plte=bytes(range(32)))
    CASES["png_plte_missing.png"] = png(12, 9, 8, 3, plte=b"")[:33] + png(12, 9, 8, 3, plte=b"")[33 + 12:]
    CASES["png_plte_300.png"] = png(12, 9, 8, 3, plte=bytes(900))
    CASES["png_plte_for_rgb.png"] = png(12, 9, 8, 2, plte=bytes(48))
    # Damaged: truncations, CRCs, zlib streams, filters, chunk names and lengths.
    good = png(31, 23, 8, 2, seed=9, split=3)
    for cut in (40, len(good) // 2, len(good) - 30, len(good) - 12, len(good) - 4, len(good) - 1):
        CASES[f"png_cut_{cut}.png"] = good[:cut]
    CASES["png_trailing_garbage.png"] = good + b"garbage after IEND"
    rows = b"".join(raw_rows(31, 23, 8, 2, 9))
    CASES["png_stream_short_midrow.png"] = png(31, 23, 8, 2, idat=zlib.compress(rows[: len(rows) // 2 + 5]))
    CASES["png_stream_short_rowend.png"] = png(31, 23, 8, 2, idat=zlib.compress(rows[: 94 * 10]))
    CASES["png_stream_long.png"] = png(31, 23, 8, 2, idat=zlib.compress(rows + bytes(5000)))
    CASES["png_stream_garbage_after.png"] = png(31, 23, 8, 2, idat=zlib.compress(rows) + b"\x01\x02junk")
    # Where ZipDecode.c stops without error: the inflate call that completes a row also reaches the
    # stream's end (Adler-32 included); the other rows stay black. Anywhere else, "image file is truncated".
    short = zlib.compress(rows[: 94 * 10])
    CASES["png_stream_rowend_first.png"] = png(31, 23, 8, 2, idat=zlib.compress(rows[:94]))
    CASES["png_stream_rowend_stored.png"] = png(31, 23, 8, 2, idat=zlib.compress(rows[: 94 * 7], 0))
    CASES["png_stream_rowend_junk_after.png"] = png(31, 23, 8, 2, idat=short + b"junk", after=[chunk(b"IDAT", b"more")])
    CASES["png_stream_rowend_trailer_next_idat.png"] = png(31, 23, 8, 2, idat=short[:-4], after=[chunk(b"IDAT", short[-4:])])
    CASES["png_stream_rowend_bytewise.png"] = png(31, 23, 8, 2, idat=short, split=len(short))
    bad_end = bytearray(short); bad_end[-1] ^= 1
    CASES["png_stream_rowend_bad_adler.png"] = png(31, 23, 8, 2, idat=bytes(bad_end))
    CASES["png_stream_empty.png"] = png(31, 23, 8, 2, idat=zlib.compress(b""))
    CASES["png_stream_rowend_adam7.png"] = png(31, 23, 8, 2, interlace=1, idat=zlib.compress(b"".join(adam7_rows(31, 23, 8, 2, 9)[:9])))
    CASES["png_stream_rowend_p4.png"] = png(31, 23, 4, 3, idat=zlib.compress(b"".join(raw_rows(31, 23, 4, 3, 9)[:5])))
    CASES["png_stream_rowend_16bit_gray.png"] = png(31, 23, 16, 0, idat=zlib.compress(b"".join(raw_rows(31, 23, 16, 0, 9)[:11])))
    bad_adler = bytearray(zlib.compress(rows)); bad_adler[-1] ^= 1
    CASES["png_bad_adler.png"] = png(31, 23, 8, 2, idat=bytes(bad_adler))
    CASES["png_bad_adler_split.png"] = png(31, 23, 8, 2, idat=bytes(bad_adler), split=len(bad_adler))
    corrupt = bytearray(zlib.compress(rows)); corrupt[len(corrupt) // 2] ^= 0x55
    CASES["png_corrupt_deflate.png"] = png(31, 23, 8, 2, idat=bytes(corrupt))
    CASES["png_bad_filter.png"] = png(4, 3, 8, 0, idat=zlib.compress(b"\x00abcd\x07abcd\x00abcd"))
    CASES["png_74_bytes_224.png"] = png(224, 224, 8, 2, idat=zlib.compress(bytes(1000)))
    CASES["png_empty_idat.png"] = png(12, 9, 8, 2, idat=b"")
    CASES["png_no_idat.png"] = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 5, 5, 8, 2, 0, 0, 0)) + chunk(b"IEND", b"")
    ok = png(12, 9, 8, 2, seed=3)
    bad = bytearray(ok); bad[29] ^= 0xFF  # IHDR CRC
    CASES["png_bad_crc_ihdr.png"] = bytes(bad)
    CASES["png_bad_crc_text.png"] = png(12, 9, 8, 2, before=[chunk(b"tEXt", b"k\0v", crc=1)])
    CASES["png_bad_crc_idat.png"] = ok[:-16] + b"\0\0\0\0" + ok[-12:]
    CASES["png_bad_crc_after_idat.png"] = png(12, 9, 8, 2, after=[chunk(b"tEXt", b"k\0v", crc=1)])
    CASES["png_unknown_critical.png"] = png(12, 9, 8, 2, before=[chunk(b"ABCD", b"xyz")])
    CASES["png_unknown_ancillary.png"] = png(12, 9, 8, 2, before=[chunk(b"abCd", b"xyz")])
    CASES["png_bad_chunk_name.png"] = png(12, 9, 8, 2, before=[chunk(b"ab!d", b"xyz")])
    CASES["png_bad_chunk_name_after.png"] = png(12, 9, 8, 2, after=[chunk(b"ab!d", b"xyz")])
    CASES["png_chunk_too_long.png"] = ok[:33] + struct.pack(">I", 10**6) + b"tEXt" + b"k\0v" + b"\0\0\0\0" + ok[33:]
    CASES["png_chunk_too_long_after.png"] = ok[:-12] + struct.pack(">I", 10**6) + b"tEXt" + b"k\0v"
    CASES["png_idat_too_long_after.png"] = ok[:-12] + struct.pack(">I", 10**6) + b"IDAT" + b"xyz"
    CASES["png_bad_depth.png"] = png(12, 9, 8, 3, plte=bytes(48))[:24] + bytes([16, 3]) + png(12, 9, 8, 3)[26:]
    CASES["png_unknown_compression_ihdr.png"] = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 12, 9, 8, 2, 1, 0, 0)) + ok[33:]
    CASES["png_unknown_filter_method.png"] = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 12, 9, 8, 2, 0, 1, 0)) + ok[33:]
    CASES["png_zero_width.png"] = png(0, 9, 8, 2, idat=zlib.compress(b"\0" * 9))
    CASES["png_ihdr_short.png"] = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBB", 12, 9, 8, 2)) + ok[33:]
    CASES["png_second_ihdr.png"] = png(12, 9, 8, 2, before=[chunk(b"IHDR", struct.pack(">IIBBBBB", 12, 9, 8, 0, 0, 0, 0))])
    # Ancillary chunks Pillow checks.
    for name, c in {"gama_short": chunk(b"gAMA", b"\0\1"), "chrm_ragged": chunk(b"cHRM", bytes(30)), "srgb_empty": chunk(b"sRGB", b""),
                    "phys_short": chunk(b"pHYs", bytes(5)), "gama_ok": chunk(b"gAMA", struct.pack(">I", 45455)),
                    "ztxt_method1": chunk(b"zTXt", b"k\0\x01" + zlib.compress(b"v")), "ztxt_corrupt": chunk(b"zTXt", b"k\0\0garbage"),
                    "ztxt_bomb": chunk(b"zTXt", b"k\0\0" + zlib.compress(bytes(2 << 20))), "ztxt_1mb": chunk(b"zTXt", b"k\0\0" + zlib.compress(bytes(1 << 20))),
                    "itxt_bomb": chunk(b"iTXt", b"k\0\1\0en\0k\0" + zlib.compress(bytes(2 << 20))), "itxt_method1": chunk(b"iTXt", b"k\0\1\1en\0k\0xx"),
                    "itxt_bad_utf8": chunk(b"iTXt", b"k\0\0\0en\0k\0\xff\xfe"), "iccp_method1": chunk(b"iCCP", b"name\0\x01" + zlib.compress(b"x")),
                    "iccp_bomb": chunk(b"iCCP", b"name\0\0" + zlib.compress(bytes(2 << 20))), "iccp_corrupt": chunk(b"iCCP", b"name\0\0junk"),
                    "iccp_no_nul": chunk(b"iCCP", b"name" + zlib.compress(b"x")), "text_ok": chunk(b"tEXt", b"Comment\0hello"),
                    "exif": chunk(b"eXIf", b"II*\0" + bytes(20))}.items():
        CASES[f"png_chunk_{name}.png"] = png(12, 9, 8, 2, seed=11, before=[c])
    many = [chunk(b"zTXt", b"k%d\0\0" % i + zlib.compress(bytes(1 << 20))) for i in range(65)]
    CASES["png_text_memory_over_64mb.png"] = png(6, 5, 8, 2, before=many)
    CASES["png_ztxt_method1_after_idat.png"] = png(12, 9, 8, 2, after=[chunk(b"zTXt", b"k\0\x01x")])
    # APNG: default image, frame sequence errors, zero frames, invalid frames, frame 0 smaller than the image.
    def actl(n): return chunk(b"acTL", struct.pack(">II", n, 0))
    def fctl(seq, w, h, x=0, y=0): return chunk(b"fcTL", struct.pack(">IIIIIHHBB", seq, w, h, x, y, 1, 10, 0, 0))
    def fdat(seq, data): return chunk(b"fdAT", struct.pack(">I", seq) + data)
    f1 = zlib.compress(b"".join(raw_rows(12, 9, 8, 6, 77)))
    CASES["apng_ok.png"] = png(12, 9, 8, 6, before=[actl(2), fctl(0, 12, 9)], after=[fctl(1, 12, 9), fdat(2, f1)])
    CASES["apng_default_image.png"] = png(12, 9, 8, 6, before=[actl(1)], after=[fctl(0, 12, 9), fdat(1, f1)])
    CASES["apng_seq_error_first.png"] = png(12, 9, 8, 6, before=[actl(2), fctl(1, 12, 9)], after=[fctl(2, 12, 9), fdat(3, f1)])
    CASES["apng_seq_error_later.png"] = png(12, 9, 8, 6, before=[actl(2), fctl(0, 12, 9)], after=[fctl(5, 12, 9), fdat(6, f1)])
    CASES["apng_zero_frames.png"] = png(12, 9, 8, 6, before=[actl(0), fctl(0, 12, 9)])
    CASES["apng_invalid_frame.png"] = png(12, 9, 8, 6, before=[actl(1), fctl(0, 13, 9)])
    CASES["apng_fctl_short.png"] = png(12, 9, 8, 6, before=[actl(1), chunk(b"fcTL", bytes(20))])
    CASES["apng_actl_short.png"] = png(12, 9, 8, 6, before=[chunk(b"acTL", bytes(4))])
    small = zlib.compress(b"".join(raw_rows(5, 4, 8, 6, 78)))
    CASES["apng_frame0_box.png"] = png(12, 9, 8, 6, idat=small, before=[actl(1), fctl(0, 5, 4, 3, 2)])
    # Palette: outside the frame, Pillow's zeroed image memory is index 0, the first palette colour.
    small_p = zlib.compress(b"".join(raw_rows(5, 4, 8, 3, 79)))
    CASES["apng_frame0_box_palette.png"] = png(12, 9, 8, 3, idat=small_p, before=[actl(1), fctl(0, 5, 4, 3, 2)])
    CASES["apng_fdat_first.png"] = (png(12, 9, 8, 6, before=[actl(1), fctl(0, 12, 9)])[:-12 - 12 - len(zlib.compress(b"".join(raw_rows(12, 9, 8, 6, 1)), 9))]
                                    + fdat(1, f1) + chunk(b"IEND", b""))
    # Pillow's own writer, every mode it writes.
    for mode in ("1", "L", "LA", "P", "PA", "RGB", "RGBA", "I", "I;16"):
        im = pil(17, 13, 21, mode if mode not in ("I", "I;16") else "L")
        if mode in ("I", "I;16"):
            im = Image.fromarray((photo(17, 13, 22)[..., 0].astype(np.int32) * 3).astype(np.uint16 if mode == "I;16" else np.int32))
        CASES[f"pillow_{mode.replace(';', '')}.png"] = saved(im, "PNG")
    CASES["pillow_p_transparency.png"] = saved(pil(17, 13, 23, "P"), "PNG", transparency=5)
    CASES["pillow_l_transparency.png"] = saved(pil(17, 13, 24, "L"), "PNG", transparency=128)
    CASES["pillow_rgb_transparency.png"] = saved(pil(17, 13, 25), "PNG", transparency=(10, 20, 30))


# ---------------------------------------------------------------- BMP, GIF, JPEG, WebP
def bmp_cases():
    for mode in ("1", "L", "P", "RGB", "RGBA"):
        CASES[f"bmp_{mode}.bmp"] = saved(pil(19, 11, 31, mode), "BMP")
    b = CASES["bmp_RGB.bmp"]
    for cut in (30, len(b) // 2, len(b) - 3):
        CASES[f"bmp_cut_{cut}.bmp"] = b[:cut]
    CASES["bmp_trailing.bmp"] = b + b"xyz"
    p = bytearray(CASES["bmp_P.bmp"])
    CASES["bmp_palette_too_big.bmp"] = bytes(p[:46]) + struct.pack("<I", 300) + bytes(p[50:])
    p1 = bytearray(CASES["bmp_1.bmp"])
    CASES["bmp_1bit_palette_3.bmp"] = bytes(p1[:46]) + struct.pack("<I", 3) + bytes(p1[50:])
    CASES["bmp_bad_depth.bmp"] = b[:28] + struct.pack("<H", 7) + b[30:]
    CASES["bmp_bad_compression.bmp"] = b[:30] + struct.pack("<I", 9) + b[34:]


def rle_bmp(img, rle4, delta=False, extra=b"", cut=None, colors=None, v4_masks=None):
    """Pillow cannot write RLE BMPs: runs, absolute runs (odd lengths padded), end-of-line, optionally a delta."""
    ncol = colors or (16 if rle4 else 256)
    p = img.convert("RGB").quantize(colors=16 if rle4 else 200)
    w, h = p.size
    px = np.asarray(p)
    pal = (p.getpalette() + [0] * 768)[: ncol * 3]
    out = bytearray()
    for y in range(h - 1, -1, -1):
        row = [int(v) for v in px[y]]
        x = 0
        if delta and y == h // 2:
            out += b"\0\2\3\1"  # skip 3 right, 1 down: those pixels stay index 0
            continue
        while x < w:
            run = 1
            while x + run < w and run < 254 and row[x + run] == row[x]:
                run += 1
            if run >= 3 or w - x < 3:
                out += bytes([run, (row[x] << 4 | row[x]) if rle4 else row[x]])
                x += run
            else:
                n = min(5, w - x)
                vals = row[x:x + n]
                if rle4:
                    vals = vals + [0] * (n % 2)
                    body = bytes(vals[i] << 4 | vals[i + 1] for i in range(0, len(vals), 2))
                else:
                    body = bytes(vals)
                out += bytes([0, n]) + body + (b"\0" if len(body) % 2 else b"")
                x += n
        out += b"\0\0"
    out += extra + b"\0\1"
    if cut is not None:
        out = out[:cut]
    header = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 4 if rle4 else 8, 2 if rle4 else 1, len(out), 2835, 2835, ncol, 0)
    palette = b"".join(bytes([pal[i * 3 + 2], pal[i * 3 + 1], pal[i * 3], 0 if i % 3 else 255]) for i in range(ncol))
    off = 14 + len(header) + len(palette)
    return b"BM" + struct.pack("<IHHI", off + len(out), 0, 0, off) + header + palette + bytes(out)


def bmp_v4(img, masks, bits=32):
    """A BITMAPV4HEADER bit-field BMP (BI_BITFIELDS) with these R, G, B, A masks."""
    a = np.asarray(img.convert("RGBA")).astype(np.uint32)
    h, w = a.shape[:2]
    def place(v, m):
        if m == 0:
            return 0
        shift = (m & -m).bit_length() - 1
        return (v.astype(np.uint32) << shift) & m
    px = place(a[..., 0], masks[0]) | place(a[..., 1], masks[1]) | place(a[..., 2], masks[2]) | place(a[..., 3], masks[3])
    rows = b"".join(px[y].astype("<u4").tobytes() for y in range(h - 1, -1, -1))
    header = struct.pack("<IiiHHIIiiII", 108, w, h, 1, bits, 3, len(rows), 2835, 2835, 0, 0) + struct.pack("<IIII", *masks) + bytes(108 - 56)
    off = 14 + len(header)
    return b"BM" + struct.pack("<IHHI", off + len(rows), 0, 0, off) + header + rows


def bmp_more():
    im = pil(29, 13, 35)
    CASES["bmp_rle8.bmp"] = rle_bmp(im, False)
    CASES["bmp_rle4.bmp"] = rle_bmp(im, True)
    CASES["bmp_rle8_delta.bmp"] = rle_bmp(im, False, delta=True)
    CASES["bmp_rle4_delta.bmp"] = rle_bmp(im, True, delta=True)
    CASES["bmp_rle8_cut.bmp"] = rle_bmp(im, False, cut=120)
    CASES["bmp_rle4_cut.bmp"] = rle_bmp(im, True, cut=60)
    CASES["bmp_rle8_no_eob.bmp"] = rle_bmp(im, False)[:-2]
    CASES["bmp_rle8_overrun.bmp"] = rle_bmp(im, False, extra=b"\xff\x05\0\x09" + bytes(10))
    CASES["bmp_rle8_colors_300.bmp"] = rle_bmp(im, False, colors=300)
    CASES["bmp_rle8_colors_20.bmp"] = rle_bmp(im, False, colors=20)
    rgba = pil(17, 9, 36, "RGBA")
    CASES["bmp_v4_bgra.bmp"] = bmp_v4(rgba, (0xFF0000, 0xFF00, 0xFF, 0xFF000000))
    CASES["bmp_v4_rgba.bmp"] = bmp_v4(rgba, (0xFF, 0xFF00, 0xFF0000, 0xFF000000))
    CASES["bmp_v4_abgr.bmp"] = bmp_v4(rgba, (0xFF000000, 0xFF0000, 0xFF00, 0xFF))
    CASES["bmp_v4_odd_masks.bmp"] = bmp_v4(rgba, (0x3FF00000, 0xFFC00, 0x3FF, 0xC0000000))


def gif_cases():
    CASES["gif_P.gif"] = saved(pil(19, 11, 41, "P"), "GIF")
    CASES["gif_L.gif"] = saved(pil(19, 11, 42, "L"), "GIF")
    CASES["gif_transparent.gif"] = saved(pil(19, 11, 43, "P"), "GIF", transparency=2)
    frames = [pil(19, 11, 44 + i, "P") for i in range(3)]
    CASES["gif_animated.gif"] = saved(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50)
    g = CASES["gif_P.gif"]
    for cut in (20, len(g) // 2, len(g) - 1):
        CASES[f"gif_cut_{cut}.gif"] = g[:cut]
    CASES["gif_interlaced.gif"] = saved(pil(19, 11, 47, "P"), "GIF", interlace=True)
    CASES["gif_bilevel.gif"] = saved(pil(19, 11, 48, "1"), "GIF")
    CASES["gif_no_trailer.gif"] = g[:-1] if g.endswith(b";") else g
    CASES["gif_trailing_junk.gif"] = g + b"junk"
    # Hand-made: a frame smaller than / outside the logical screen, a local palette, no palette at all.
    def gif(screen, frame, gpal=True, lpal=False, trns=None, code=8, data=None):
        sw, sh = screen
        fx, fy, fw, fh = frame
        rng = np.random.default_rng(fw * 7 + fh)
        idx = rng.integers(0, 16, fw * fh).astype(np.uint8)
        out = b"GIF89a" + struct.pack("<HHBBB", sw, sh, 0x83 if gpal else 0, 0, 0)
        if gpal:
            out += bytes(rng.integers(0, 256, 48).astype(np.uint8))
        if trns is not None:
            out += b"\x21\xf9\x04\x01\x00\x00" + bytes([trns]) + b"\x00"
        out += b"," + struct.pack("<HHHHB", fx, fy, fw, fh, 0x83 if lpal else 0)
        if lpal:
            out += bytes(rng.integers(0, 256, 48).astype(np.uint8))
        if data is None:
            data = lzw_gif(idx, 4)
            code = 4
        out += bytes([code])
        for i in range(0, len(data), 255):
            out += bytes([len(data[i:i + 255])]) + data[i:i + 255]
        return out + b"\x00;"
    CASES["gif_frame_inside.gif"] = gif((20, 12), (3, 2, 9, 5))
    CASES["gif_frame_outside.gif"] = gif((10, 8), (4, 3, 9, 7))
    CASES["gif_local_palette.gif"] = gif((12, 9), (0, 0, 12, 9), gpal=False, lpal=True)
    CASES["gif_no_palette.gif"] = gif((12, 9), (0, 0, 12, 9), gpal=False)
    CASES["gif_transparent_bg.gif"] = gif((20, 12), (3, 2, 9, 5), trns=5)
    CASES["gif_bad_code_size.gif"] = gif((12, 9), (0, 0, 12, 9), code=12, data=b"\x00\x01")
    CASES["gif_lzw_garbage.gif"] = gif((12, 9), (0, 0, 12, 9), code=4, data=bytes(range(200, 255)))


def lzw_gif(idx, min_code):
    """A minimal GIF LZW encoder: a clear code every 12 symbols keeps the code width fixed."""
    clear, eoi = 1 << min_code, (1 << min_code) + 1
    bits, width, acc, out = 0, min_code + 1, 0, bytearray()
    def emit(code):
        nonlocal bits, acc
        acc |= code << bits
        bits += width
        while bits >= 8:
            out.append(acc & 255)
            acc >>= 8
            bits -= 8
    for i, v in enumerate(idx):
        if i % 12 == 0:
            emit(clear)
        emit(int(v))
    emit(eoi)
    if bits:
        out.append(acc & 255)
    return bytes(out)


def jpeg_cases():
    for mode in ("L", "RGB", "CMYK"):
        CASES[f"jpeg_{mode}.jpg"] = saved(pil(23, 17, 51, mode), "JPEG", quality=85)
    CASES["jpeg_progressive.jpg"] = saved(pil(23, 17, 52), "JPEG", quality=80, progressive=True)
    j = saved(pil(40, 32, 53), "JPEG", quality=90)
    for cut in (100, len(j) // 2, len(j) - 2):
        CASES[f"jpeg_cut_{cut}.jpg"] = j[:cut]
    CASES["jpeg_trailing.jpg"] = j + b"\0\1garbage"
    sos = j.index(b"\xff\xda")
    sos_end = sos + 2 + struct.unpack(">H", j[sos + 2:sos + 4])[0]
    CASES["jpeg_no_scan_data_eoi.jpg"] = j[:sos_end] + b"\xff\xd9"
    CASES["jpeg_no_scan_data.jpg"] = j[:sos_end]
    mid = bytearray(j); mid[sos_end + 40] ^= 0xFF
    CASES["jpeg_corrupt_scan.jpg"] = bytes(mid)
    app = j.index(b"\xff\xe0")
    CASES["jpeg_ff00_in_header.jpg"] = j[:app] + b"\xff\xfe\x00\x06\xff\x00\xff\x00" + j[app:]
    CASES["jpeg_bad_exif.jpg"] = j[:2] + b"\xff\xe1\x00\x10Exif\0\0MM\0*\xff\xff\xff\xff" + j[2:]


def webp_cases():
    CASES["webp_lossy.webp"] = saved(pil(23, 17, 61), "WEBP", quality=80)
    CASES["webp_lossless.webp"] = saved(pil(23, 17, 62), "WEBP", lossless=True)
    CASES["webp_alpha.webp"] = saved(pil(23, 17, 63, "RGBA"), "WEBP", quality=80)
    frames = [pil(23, 17, 64 + i) for i in range(3)]
    CASES["webp_animated.webp"] = saved(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=50, lossless=True)
    rgba = [pil(23, 17, 67 + i, "RGBA") for i in range(2)]
    CASES["webp_animated_rgba.webp"] = saved(rgba[0], "WEBP", save_all=True, append_images=rgba[1:], duration=40, quality=70)
    CASES["webp_animated_lossy.webp"] = saved(frames[1], "WEBP", save_all=True, append_images=frames[:1], duration=40, quality=60)
    w = CASES["webp_lossy.webp"]
    CASES["webp_cut.webp"] = w[: len(w) // 2]


# ---------------------------------------------------------------- TIFF
def tiff_cases():
    modes = {"1": "1", "L": "L", "P": "P", "RGB": "RGB", "RGBA": "RGBA", "CMYK": "CMYK", "LAB": "LAB", "YCbCr": "YCbCr"}
    for name, mode in modes.items():
        im = pil(19, 11, 71, "RGB")
        im = im.quantize(colors=30) if mode == "P" else im.convert(mode)
        for comp in ("raw", "tiff_lzw", "tiff_adobe_deflate", "packbits", "jpeg", "group4", "group3"):
            if comp in ("group4", "group3") and mode != "1":
                continue
            if comp == "jpeg" and mode not in ("L", "RGB", "YCbCr", "CMYK"):
                continue
            try:
                CASES[f"tiff_{name}_{comp}.tif"] = saved(im, "TIFF", compression=comp)
            except Exception:
                pass
    a = photo(19, 11, 72)[..., 0].astype(np.float64)
    for name, arr in {"I16": (a * 200).astype(np.uint16), "I16_low": (a / 2).astype(np.uint16), "I32": (a * 1e6 - 5e7).astype(np.int32),
                      "F32": (a / 3 - 10).astype(np.float32)}.items():
        im = Image.fromarray(arr)
        for comp in ("raw", "tiff_lzw", "tiff_adobe_deflate"):
            CASES[f"tiff_{name}_{comp}.tif"] = saved(im, "TIFF", compression=comp)
    CASES["tiff_I16B.tif"] = saved(Image.fromarray((a * 200).astype(np.uint16)).convert("I;16B") if False else Image.frombytes("I;16B", (19, 11), (a * 200).astype(">u2").tobytes()), "TIFF")
    CASES["tiff_rgb_predictor.tif"] = saved(pil(19, 11, 73), "TIFF", compression="tiff_lzw", tiffinfo={317: 2}) if False else saved(pil(19, 11, 73), "TIFF", compression="tiff_lzw")
    # libtiff's tiffcp: planar, tiles, BigTIFF, predictors, other compressions (skipped without libtiff-tools).
    if shutil.which("tiffcp"):
        src = CASES["tiff_RGB_raw.tif"]
        variants = {"planar": ["-p", "separate"], "tiled": ["-t", "-w", "16", "-l", "16"], "bigtiff": ["-8"], "lzw_pred2": ["-c", "lzw:2"],
                    "zip_pred2": ["-c", "zip:2"], "jpeg": ["-c", "jpeg"], "planar_tiled_lzw": ["-p", "separate", "-t", "-w", "16", "-l", "16", "-c", "lzw"],
                    "strips_1row": ["-r", "1"], "packbits_planar": ["-p", "separate", "-c", "packbits"]}
        for name, args in variants.items():
            CASES[f"tiffcp_rgb_{name}.tif"] = tiffcp(src, args)
        for name, args in {"g3": ["-c", "g3"], "g4": ["-c", "g4"], "g3_2d": ["-c", "g3:2d"]}.items():
            CASES[f"tiffcp_1bit_{name}.tif"] = tiffcp(CASES["tiff_1_raw.tif"], args)
        CASES["tiffcp_I16_pred2.tif"] = tiffcp(CASES["tiff_I16_raw.tif"], ["-c", "lzw:2"])
        dithered = saved(Image.fromarray(photo(203, 157, 74)).convert("1"), "TIFF")  # Floyd–Steinberg: busy runs
        for name, args in {"g3": ["-c", "g3"], "g3_2d": ["-c", "g3:2d"], "g3_2d_fill": ["-c", "g3:2d:fill"], "g4": ["-c", "g4"],
                           "g4_tiled": ["-c", "g4", "-t", "-w", "64", "-l", "64"], "g4_strips": ["-c", "g4", "-r", "16"],
                           "g3_lsb": ["-c", "g3", "-f", "lsb2msb"], "g4_lsb": ["-c", "g4", "-f", "lsb2msb"]}.items():
            CASES[f"tiffcp_dither_{name}.tif"] = tiffcp(dithered, args)
        CASES["tiffcp_L_tiled.tif"] = tiffcp(CASES["tiff_L_raw.tif"], ["-t", "-w", "16", "-l", "16"])
    lab_cases()
    t = CASES["tiff_RGB_raw.tif"]
    CASES["tiff_cut_half.tif"] = t[: len(t) // 2]
    CASES["tiff_cut_header.tif"] = t[:6]


def lab_cases():
    """CIE L*a*b* TIFFs from fixed bytes (Pillow's RGB→LAB conversion is not reproducible run to run):
    Pillow reads 3 × 8-bit chunky and planar ones (through LittleCMS), refuses 16 bits, fill order 2,
    ICCLab and ITULab."""
    raw = np.random.default_rng(75).integers(0, 256, (13, 23, 3)).astype(np.uint8)
    raw[0, :, 0] = np.arange(23) * 11  # a ramp of L, a and b through their extremes
    raw[1, :, 1] = np.arange(23) * 11
    raw[2, :, 2] = np.arange(23) * 11
    lab = Image.frombytes("LAB", (23, 13), raw.tobytes())
    src = saved(lab, "TIFF")
    CASES["tiff_lab_fixed_raw.tif"] = src
    CASES["tiff_lab_fixed_lzw.tif"] = saved(lab, "TIFF", compression="tiff_lzw")
    if shutil.which("tiffcp"):
        for name, args in {"planar": ["-p", "separate"], "planar_lzw": ["-p", "separate", "-c", "lzw"], "tiled": ["-t", "-w", "16", "-l", "16"],
                           "planar_tiled_zip": ["-p", "separate", "-t", "-w", "16", "-l", "16", "-c", "zip"], "lzw_pred2": ["-c", "lzw:2"],
                           "strips_1row": ["-r", "1"], "bigtiff": ["-8"], "fill_lsb": ["-f", "lsb2msb"]}.items():
            CASES[f"tiffcp_lab_{name}.tif"] = tiffcp(src, args)
    CASES["tiff_lab_icclab.tif"] = tiff_patch(src, 262, [9])
    CASES["tiff_lab_itulab.tif"] = tiff_patch(src, 262, [10])
    CASES["tiff_lab_16bit.tif"] = tiff_patch(src, 258, [16, 16, 16])


def tiff_patch(b, tag, values):
    """A little-endian TIFF with one SHORT tag's values replaced (in place or at its offset)."""
    b = bytearray(b)
    ifd = struct.unpack_from("<I", b, 4)[0]
    for i in range(struct.unpack_from("<H", b, ifd)[0]):
        e = ifd + 2 + 12 * i
        t, typ, count = struct.unpack_from("<HHI", b, e)
        if t == tag:
            assert typ == 3 and count == len(values)
            at = e + 8 if count <= 2 else struct.unpack_from("<I", b, e + 8)[0]
            struct.pack_into(f"<{count}H", b, at, *values)
            return bytes(b)
    raise KeyError(tag)


def tiffcp(src, args):
    with tempfile.TemporaryDirectory() as d:
        a, b = os.path.join(d, "a.tif"), os.path.join(d, "b.tif")
        open(a, "wb").write(src)
        subprocess.run(["tiffcp", *args, a, b], check=True, capture_output=True)
        return open(b, "rb").read()


# ---------------------------------------------------------------- Pillow's answers
def md5(im):
    return hashlib.md5(np.ascontiguousarray(np.asarray(im)).tobytes()).hexdigest()


def load_img(data, size, interpolation):
    """keras.utils.load_img(color_mode='rgb', target_size=size, interpolation=...)"""
    img = Image.open(io.BytesIO(data))
    if img.mode != "RGB":
        img = img.convert("RGB")
    wh = (size[1], size[0])
    if img.size != wh:
        img = img.resize(wh, {"nearest": Image.NEAREST, "bilinear": Image.BILINEAR}[interpolation])
    return img


def answer(data):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            im = Image.open(io.BytesIO(data))
            rgb = im.convert("RGB")
            return {"read": True, "mode": im.mode, "size": list(rgb.size), "rgb_md5": md5(rgb),
                    "load_nearest_md5": md5(load_img(data, (7, 10), "nearest")), "load_bilinear_md5": md5(load_img(data, (7, 10), "bilinear"))}
        except Exception as e:
            return {"read": False, "error": f"{type(e).__name__}: {e}"[:200]}


png_cases(); bmp_cases(); bmp_more(); gif_cases(); jpeg_cases(); webp_cases(); tiff_cases()
ref = {"pillow": Image.__version__, "files": {}}
for name in sorted(CASES):
    open(os.path.join(OUT, name), "wb").write(CASES[name])
    ref["files"][name] = answer(CASES[name])
json.dump(ref, open(os.path.join(OUT, "corpus.pillow.json"), "w"), indent=1, sort_keys=True)
print(f"{len(CASES)} files, {sum(1 for v in ref['files'].values() if v['read'])} read by Pillow {Image.__version__}", file=sys.stderr)
