/**
 * TIFF's LZW (MSB-first codes of 9–12 bits, Clear 256, EOI 257, code width raised one code early),
 * bounded: it stops at `want` bytes or the end of the input, and a code not yet in the table is an
 * error ("Using code not yet in table", as libtiff says). Old-style (pre-TIFF 6) LZW is refused.
 */
export function decodeTiffLzw(src: Uint8Array, want: number): Uint8Array {
  if (src.length >= 2 && src[0] === 0 && (src[1]! & 1) === 1)
    throw new Error('old-style (pre-TIFF 6) LZW is not supported');
  const out = new Uint8Array(want);
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const length = new Int32Array(4096);
  const first = new Uint8Array(4096);
  for (let i = 0; i < 256; i++) [suffix[i], length[i], first[i], prefix[i]] = [i, 1, i, -1];
  let next = 258;
  let width = 9;
  let prev = -1;
  let o = 0;
  let acc = 0; // MSB-first bit buffer holding `bits` unread bits (at most 19)
  let bits = 0;
  let p = 0;
  while (o < want) {
    while (bits < width && p < src.length) {
      acc = (acc << 8) | src[p++]!;
      bits += 8;
    }
    if (bits < width) break;
    const code = (acc >>> (bits - width)) & ((1 << width) - 1);
    bits -= width;
    acc &= (1 << bits) - 1;
    if (code === 257) break;
    if (code === 256) {
      [next, width, prev] = [258, 9, -1];
      continue;
    }
    if (prev === -1) {
      if (code > 255) throw new Error('Using code not yet in table');
      out[o++] = code;
      prev = code;
      continue;
    }
    if (code > next) throw new Error('Using code not yet in table');
    const known = code < next;
    const firstByte = known ? first[code]! : first[prev]!;
    if (next < 4096) {
      prefix[next] = prev;
      suffix[next] = firstByte;
      length[next] = length[prev]! + 1;
      first[next] = first[prev]!;
      next++;
    }
    // Write the string for `code` backwards through its prefix chain, clipped to `want`.
    const len = length[code]!;
    let c = code;
    for (let p = o + len - 1; p >= o; p--, c = prefix[c]!) if (p < want) out[p] = suffix[c]!;
    o = Math.min(want, o + len);
    prev = code;
    if (next + 1 >= 1 << width && width < 12) width++;
  }
  return out.subarray(0, o);
}
