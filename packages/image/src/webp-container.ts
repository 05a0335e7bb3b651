const MAX_CHUNK_PAYLOAD = 0xffffffff - 8 - 1;
/** VP8X flags libwebp knows (alpha, animation, EXIF, ICC, XMP); any other bit makes the demuxer refuse the file. */
const VALID_VP8X_FLAGS = 0x3e;

/**
 * The bitstream of a still WebP's `VP8L` chunk (simple format, or VP8X + chunks + VP8L), or
 * `undefined` when its image is lossy (`VP8 `) or its chunks cannot be walked to an image (both left
 * to libwebp, as before). For a lossless image the container is checked as Pillow's decoder,
 * libwebp's demuxer (`WebPDemux`, src/demux/demux.c), checks it: the RIFF must be whole (bytes
 * after it are ignored), each chunk's padded size must fit in it, a VP8X still holds one image
 * whose size is the canvas, and no ALPH comes before a VP8L (which has its own alpha). The
 * bitstream is the chunk's payload with its padding byte, as the demuxer hands it to the decoder.
 */
export function vp8lPayload(b: Uint8Array): Uint8Array | undefined {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const tag = (at: number) => String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);
  if (!looksLossless(b, v, tag)) return undefined; // lossy, or not parseable: libwebp decides, as before
  const riffSize = v.getUint32(4, true);
  if (riffSize < 8 || riffSize > MAX_CHUNK_PAYLOAD) throw new Error(`RIFF size ${riffSize}`);
  const end = riffSize + 8;
  if (b.length < end) throw new Error(`truncated: the RIFF holds ${riffSize} bytes, the file ${b.length - 8}`);
  /** A chunk's header at `p`: its padded size checked against the RIFF's end. */
  const chunk = (p: number) => {
    if (end - p < 8) throw new Error(`truncated chunk header at byte ${p}`);
    const size = v.getUint32(p + 4, true);
    const padded = size + (size & 1);
    if (size > MAX_CHUNK_PAYLOAD || padded > end - p - 8)
      throw new Error(`chunk '${printable(tag(p))}' runs past the RIFF`);
    return { type: tag(p), size, next: p + 8 + padded };
  };
  let p = 12;
  let canvas: { width: number; height: number; alpha: boolean } | undefined;
  if (tag(p) === 'VP8X') {
    const c = chunk(p);
    if (c.size < 10) throw new Error(`a VP8X chunk of ${c.size} bytes`);
    const flags = b[p + 8]!;
    if (flags & ~VALID_VP8X_FLAGS) throw new Error(`unknown VP8X flags 0x${flags.toString(16)}`);
    canvas = {
      width: 1 + (v.getUint32(p + 12, true) & 0xffffff),
      height: 1 + (v.getUint32(p + 15, true) & 0xffffff),
      alpha: !!(flags & 0x10),
    };
    for (p = c.next; !['ALPH', 'VP8 ', 'VP8L'].includes(chunk(p).type); p = chunk(p).next) {
      if (['VP8X', 'ANMF'].includes(tag(p))) throw new Error(`a '${tag(p)}' chunk in a still image`);
      if (chunk(p).next === end) throw new Error('no image chunk');
    }
  } else if (tag(p) !== 'VP8L' && tag(p) !== 'VP8 ') {
    throw new Error(`no image chunk (found '${printable(tag(p))}')`);
  }
  // The demuxer's StoreFrame: an optional ALPH, then the image.
  let alphaAt: number | undefined;
  let image: { at: number; data: Uint8Array } | undefined;
  for (;;) {
    const c = chunk(p);
    if (c.type === 'ALPH' && alphaAt === undefined) alphaAt = p;
    else if ((c.type === 'VP8L' || c.type === 'VP8 ') && !image) {
      if (c.type === 'VP8 ') return undefined;
      if (alphaAt !== undefined) throw new Error('an ALPH chunk before a VP8L image (which has its own alpha)');
      image = { at: p, data: b.subarray(p + 8, c.next) };
    } else break;
    p = c.next;
    if (p === end) break;
    if (end - p < 8) throw new Error(`truncated chunk header at byte ${p}`);
  }
  if (!image) throw new Error('an ALPH chunk without an image');
  const data = image.data;
  if (data.length < 5 || data[0] !== 0x2f || data[4]! >> 5 !== 0) throw new Error('not a VP8L bitstream');
  if (canvas) {
    const bits = v.getUint32(image.at + 9, true);
    const [w, h] = [1 + (bits & 0x3fff), 1 + ((bits >>> 14) & 0x3fff)];
    if (w !== canvas.width || h !== canvas.height)
      throw new Error(`the VP8X canvas ${canvas.width}×${canvas.height} differs from the image's ${w}×${h}`);
    if (canvas.alpha && alphaAt !== undefined) throw new Error('an ALPH chunk after the VP8L image');
    // The rest of a VP8X file is parsed too: another image is a second frame of a still (refused).
    for (p = chunk(image.at).next; p < end; p = chunk(p).next)
      if (['ALPH', 'VP8 ', 'VP8L', 'VP8X', 'ANMF'].includes(chunk(p).type) && p !== alphaAt)
        throw new Error(`a second image chunk '${tag(p)}' in a still image`);
  }
  return data;
}

/** Whether the first image chunk, found by walking the chunks leniently, is `VP8L`. */
function looksLossless(b: Uint8Array, v: DataView, tag: (at: number) => string): boolean {
  for (let p = 12; p + 8 <= b.length; p += 8 + v.getUint32(p + 4, true) + (v.getUint32(p + 4, true) & 1)) {
    if (tag(p) === 'VP8L') return true;
    if (tag(p) === 'VP8 ' || (p === 12 && tag(p) !== 'VP8X')) return false;
  }
  return false;
}

const printable = (s: string) => s.replace(/[^ -~]/g, '?');
