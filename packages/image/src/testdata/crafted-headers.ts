/**
 * Tiny files whose headers claim huge sizes: decompression-bomb probes. Each is valid up to the
 * header (so a decoder would go on to allocate) and carries no real pixel data.
 */
const u16be = (n: number) => [(n >> 8) & 255, n & 255];
const u16le = (n: number) => [n & 255, (n >> 8) & 255];
const u32be = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const u32le = (n: number) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255];
const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

/** SOI, SOF0 (3 components, 4:2:0), SOS, a few scan bytes, EOI: enough for jpeg_read_header. */
export function jpegHeader(width: number, height: number): Uint8Array {
  const sof = [0xff, 0xc0, ...u16be(17), 8, ...u16be(height), ...u16be(width), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
  const sos = [0xff, 0xda, ...u16be(12), 3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0];
  return new Uint8Array([0xff, 0xd8, ...sof, ...sos, 0, 0, 0, 0, 0xff, 0xd9]);
}

/** Signature, IHDR (8-bit RGB), an empty IDAT, IEND. CRCs are zero: the size must be refused before they matter. */
export function pngHeader(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: number[]) => [...u32be(data.length), ...ascii(type), ...data, 0, 0, 0, 0];
  return new Uint8Array([
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a,
    ...chunk('IHDR', [...u32be(width), ...u32be(height), 8, 2, 0, 0, 0]),
    ...chunk('IDAT', [0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]),
    ...chunk('IEND', []),
  ]);
}

export function gifHeader(width: number, height: number): Uint8Array {
  return new Uint8Array([...ascii('GIF89a'), ...u16le(width), ...u16le(height), 0x80, 0, 0, 0, 0, 0, 255, 255, 255, 0x2c, 0, 0, 0, 0, ...u16le(width), ...u16le(height), 0, 2, 2, 0x4c, 0x01, 0, 0x3b]);
}

export function bmpHeader(width: number, height: number): Uint8Array {
  const info = [...u32le(40), ...u32le(width), ...u32le(height), ...u16le(1), ...u16le(24), ...u32le(0), ...u32le(0), ...u32le(2835), ...u32le(2835), ...u32le(0), ...u32le(0)];
  return new Uint8Array([...ascii('BM'), ...u32le(54), 0, 0, 0, 0, ...u32le(54), ...info]);
}

/** Lossless WebP (VP8L) header: 14-bit sizes, so at most 16384×16384. */
export function webpHeader(width: number, height: number): Uint8Array {
  const bits = (width - 1) | ((height - 1) << 14);
  const vp8l = [0x2f, ...u32le(bits), 0, 0, 0, 0, 0];
  return new Uint8Array([...ascii('RIFF'), ...u32le(12 + vp8l.length), ...ascii('WEBP'), ...ascii('VP8L'), ...u32le(vp8l.length), ...vp8l]);
}

/** Little-endian TIFF with one IFD: width, height, 8-bit RGB, one strip pointing nowhere. */
export function tiffHeader(width: number, height: number): Uint8Array {
  const entries: [number, number, number, number][] = [
    [256, 4, 1, width], [257, 4, 1, height], [258, 3, 1, 8], [259, 3, 1, 1], [262, 3, 1, 2],
    [273, 4, 1, 8], [277, 3, 1, 3], [278, 4, 1, height], [279, 4, 1, 0],
  ];
  const ifd = [...u16le(entries.length), ...entries.flatMap(([tag, type, count, value]) => [...u16le(tag), ...u16le(type), ...u32le(count), ...(type === 3 ? [...u16le(value), 0, 0] : u32le(value))]), ...u32le(0)];
  return new Uint8Array([0x49, 0x49, 0x2a, 0, ...u32le(8), ...ifd]);
}
