#!/usr/bin/env bash
# Peak RSS of loadImg(FILE, 224×224) on 13000×13000 images, against issue 19's bound:
# the image's 8-bit RGB size (507 MB) + 200 MB. Usage: bash packages/image/src/testdata/peak-rss.sh [DIR]
# The PNGs are made here; a JPEG, a BMP, two WebPs (lossy, lossless) and two TIFFs too where Debian's python3-pil exists (/usr/bin/python3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../../../.."  # the repo root, where tsx resolves
dir=${1:-/tmp/vggscope-peak-rss}
mkdir -p "$dir"
tsx=(node --conditions=@vggscope/source --import tsx "$here/peak-rss.ts")
[ -f "$dir/made" ] || "${tsx[@]}" make "$dir"
if [ ! -f "$dir/rgb_13000.jpg" ] && /usr/bin/python3 -c 'import PIL, numpy' 2>/dev/null; then
  /usr/bin/python3 -c "
import numpy as np; from PIL import Image; Image.MAX_IMAGE_PIXELS = None
im = Image.fromarray(np.tile(np.arange(13000, dtype=np.uint8)[None, :, None], (13000, 1, 3)))
im.save('$dir/rgb_13000.jpg', quality=90); im.save('$dir/rgb_13000.bmp'); im.save('$dir/rgb_13000.webp', quality=50, method=0)
im.save('$dir/rgb_13000.tif'); im.save('$dir/rgb_13000_lzw.tif', compression='tiff_lzw')"
fi
files=(rgba16_13000.png rgb8_13000.png)
[ -f "$dir/rgb_13000.jpg" ] && files+=(rgb_13000.jpg)
bound_mb=$(( 13000 * 13000 * 3 / 1000000 + 200 ))
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); bound ${bound_mb} MB"
printf '%-20s %-9s %10s %9s %s\n' file interp 'peak MB' seconds result
[ -f "$dir/rgb_13000.bmp" ] && files+=(rgb_13000.bmp)
if [ ! -f "$dir/rgb_13000_lossless.webp" ] && /usr/bin/python3 -c 'import PIL, numpy' 2>/dev/null; then
  /usr/bin/python3 -c "
import numpy as np; from PIL import Image; Image.MAX_IMAGE_PIXELS = None
im = Image.fromarray(np.tile(np.arange(13000, dtype=np.uint8)[None, :, None], (13000, 1, 3)))
im.save('$dir/rgb_13000_lossless.webp', lossless=True, method=0)"
fi
[ -f "$dir/rgb_13000.webp" ] && files+=(rgb_13000.webp)
[ -f "$dir/rgb_13000_lossless.webp" ] && files+=(rgb_13000_lossless.webp)
[ -f "$dir/rgb_13000.tif" ] && files+=(rgb_13000.tif rgb_13000_lzw.tif)
for f in "${files[@]}"; do
  for interp in nearest bilinear; do
    out=$( { /usr/bin/time -v "${tsx[@]}" load "$dir/$f" "$interp" 2>"$dir/time.txt"; } | tail -1)
    kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir/time.txt")
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$dir/time.txt")
    mb=$(( kb / 1000 ))
    verdict=$([ "$mb" -le "$bound_mb" ] && echo within || echo OVER)
    printf '%-20s %-9s %10s %9s %s (%s)\n' "$f" "$interp" "$mb" "$secs" "$verdict" "$out"
  done
done
