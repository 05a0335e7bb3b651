"""Pillow oracle for the preprocessing tests: makes the test images with Pillow and returns what
Pillow (and Keras' load_img, replicated below line for line) gives for each, as md5s of the pixels.

Input (stdin): {"dir": out_dir, "images": [...], "loads": [...]}; output (stdout): JSON.
"""
import hashlib, io, json, os, shutil, subprocess, sys
import numpy as np
from PIL import Image

req = json.load(sys.stdin)
out_dir = req["dir"]

def photo(w, h, seed):
    """Smooth colour, sharp edges and noise: something like a photo, at any size."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    base = np.stack([128 + 100 * np.sin(x / 7 + c) * np.cos(y / 5 - c) for c in range(3)], -1)
    edges = (((x // 9 + y // 7) % 2) * 60)[..., None]
    return np.clip(base + edges + rng.normal(0, 25, (h, w, 3)), 0, 255).astype(np.uint8)

def write_rle_bmp(img, path, rle4):
    """Pillow cannot write RLE BMPs: encode one here (runs, absolute runs, end-of-line, a delta) for Pillow to read."""
    import struct
    colors = 16 if rle4 else 256
    p = img.convert("RGB").quantize(colors=colors)
    w, h = p.size
    px = np.asarray(p)
    pal = (p.getpalette() + [0] * 768)[: colors * 3]
    out = bytearray()
    for y in range(h - 1, -1, -1):
        row = [int(v) for v in px[y]]
        x = 0
        while x < w:
            run = 1
            while x + run < w and run < 254 and row[x + run] == row[x]:
                run += 1
            if run >= 3 or w - x < 3:
                out += bytes([run, (row[x] << 4 | row[x]) if rle4 else row[x]])
                x += run
            else:  # absolute run of up to 6 pixels
                n = min(6, w - x)
                vals = row[x:x + n]
                if rle4:
                    vals = vals + [0] * (n % 2)
                    body = bytes(vals[i] << 4 | vals[i + 1] for i in range(0, len(vals), 2))
                else:
                    body = bytes(vals)
                out += bytes([0, n]) + body + (b"\0" if len(body) % 2 else b"")
                x += n
        out += b"\0\0"
    out += b"\0\1"
    header = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 4 if rle4 else 8, 2 if rle4 else 1, len(out), 2835, 2835, colors, 0)
    palette = b"".join(bytes([pal[i * 3 + 2], pal[i * 3 + 1], pal[i * 3], 0]) for i in range(colors))
    off = 14 + len(header) + len(palette)
    open(path, "wb").write(b"BM" + struct.pack("<IHHI", off + len(out), 0, 0, off) + header + palette + out)

def make(spec):
    src = spec["from"]
    img = Image.open(src) if isinstance(src, str) else Image.fromarray(photo(src["w"], src["h"], src.get("seed", 1)))
    mode = spec.get("mode")
    if mode == "P":
        img = img.convert("RGB").quantize(colors=spec.get("colors", 200))
    elif mode == "RGBA":
        a = np.asarray(img.convert("L"))
        img = img.convert("RGB"); img.putalpha(Image.fromarray(a))
    elif mode:
        img = img.convert(mode)
    save = dict(spec.get("save", {}))
    path = os.path.join(out_dir, spec["name"])
    if spec.get("rle"):
        write_rle_bmp(img, path, spec["rle"] == 4)
    elif spec.get("cjpeg"):  # libjpeg-turbo's own encoder, for what Pillow cannot write
        if not shutil.which("cjpeg"):
            return None
        ppm = path + ".ppm"
        img.convert("RGB").save(ppm)
        subprocess.run(["cjpeg", *spec["cjpeg"], "-outfile", path, ppm], check=True)
        os.remove(ppm)
    elif spec.get("exifOrientation"):
        exif = Image.Exif()
        exif[0x0112] = spec["exifOrientation"]
        img.save(path, exif=exif, **save)
    else:
        img.save(path, **save)
    if "cut" in spec or "append" in spec:
        data = open(path, "rb").read()
        data = data[: spec["cut"]] if "cut" in spec else data
        data = data + bytes(spec.get("append", []))
        open(path, "wb").write(data)
    if spec.get("restart"):
        if not shutil.which("jpegtran"):
            return None
        tmp = path + ".tmp"
        subprocess.run(["jpegtran", "-restart", str(spec["restart"]), "-outfile", tmp, path], check=True)
        os.replace(tmp, path)
    return path

_INTERP = {"nearest": Image.NEAREST, "bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC,
           "hamming": Image.HAMMING, "box": Image.BOX, "lanczos": Image.LANCZOS}

def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False):
    """keras.utils.load_img (keras/src/utils/image_utils.py), for color_mode rgb|grayscale."""
    with open(path, "rb") as f:
        img = Image.open(io.BytesIO(f.read()))
        if color_mode == "grayscale":
            if img.mode not in ("L", "I;16", "I"):
                img = img.convert("L")
        elif color_mode == "rgb":
            if img.mode != "RGB":
                img = img.convert("RGB")
        if target_size is not None:
            width_height_tuple = (target_size[1], target_size[0])
            if img.size != width_height_tuple:
                resample = _INTERP[interpolation]
                if keep_aspect_ratio:
                    width, height = img.size
                    target_width, target_height = width_height_tuple
                    crop_height = (width * target_height) // target_width
                    crop_width = (height * target_width) // target_height
                    crop_height = min(height, crop_height)
                    crop_width = min(width, crop_width)
                    crop_box_hstart = (height - crop_height) // 2
                    crop_box_wstart = (width - crop_width) // 2
                    crop_box_wend = crop_box_wstart + crop_width
                    crop_box_hend = crop_box_hstart + crop_height
                    crop_box = [crop_box_wstart, crop_box_hstart, crop_box_wend, crop_box_hend]
                    img = img.resize(width_height_tuple, resample, box=crop_box)
                else:
                    img = img.resize(width_height_tuple, resample)
        return img

def md5(img):
    return hashlib.md5(np.ascontiguousarray(np.asarray(img)).tobytes()).hexdigest()

result = {"pillow": Image.__version__, "images": {}, "loads": []}
paths = {}
for spec in req["images"]:
    path = make(spec)
    if path is None:
        result["images"][spec["name"]] = None
        continue
    paths[spec["name"]] = path
    try:
        im = Image.open(path)
        result["images"][spec["name"]] = {"mode": im.mode, "size": im.size, "rgb_md5": md5(im.convert("RGB"))}
    except Exception as e:  # Pillow refuses it: we must refuse it too
        result["images"][spec["name"]] = {"error": f"{type(e).__name__}: {e}"}
for load in req["loads"]:
    img = load_img(paths.get(load["image"], load["image"]), load.get("colorMode", "rgb"), load.get("targetSize"),
                   load.get("interpolation", "nearest"), load.get("keepAspectRatio", False))
    result["loads"].append({"md5": md5(img), "size": img.size, "mode": img.mode})
json.dump(result, sys.stdout)
