#!/usr/bin/env bash
# Features of every fixture image from two built checkouts, compared byte for byte: the check that a
# refactor changed no output. Usage: tools/scripts/compare-trees.sh OLD_TREE NEW_TREE [LAYER...]
# (both trees built with `npm ci && npm run build`; default layers block1_conv1 block3_pool, real VGG19 weights).
set -euo pipefail
old=$(cd "$1" && pwd); new=$(cd "$2" && pwd); shift 2
layers=("${@:-block1_conv1}"); [ $# -eq 0 ] && layers=(block1_conv1 block3_pool)
fixtures="$new/../shared/fixtures"
[ -d "$fixtures/vgg19-tfjs-partial" ] || { echo "needs ../shared/fixtures beside $new" >&2; exit 2; }
args=(extract --model vgg19 --weights "$fixtures/vgg19-tfjs-partial")
for l in "${layers[@]}"; do args+=(--layer "$l"); done
for f in "$fixtures"/images/*.{png,jpg,bmp,tif,webp,gif}; do args+=(--image "$f"); done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for side in old new; do
  tree=${!side}
  (cd "$tree" && node packages/cli/bin/vggscope.js "${args[@]}" --out "$tmp/$side" >/dev/null)
  (cd "$tmp/$side" && find . -name '*.npy' | sort | xargs md5sum) >"$tmp/$side.md5"
done
n=$(wc -l <"$tmp/new.md5")
if diff "$tmp/old.md5" "$tmp/new.md5"; then echo "identical: $n feature files"; else echo "DIFFERENT (above)"; exit 1; fi
