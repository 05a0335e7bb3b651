import { crc32, deflateSync } from 'node:zlib';

/** Test PNGs chunk by chunk, with correct CRCs unless told otherwise: for damaged-file cases. */
export type PngChunk = readonly [type: string, data: Uint8Array | number[], crc?: number];

export const u32be = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

export function ihdr(width: number, height: number, depth = 8, colorType = 2, interlace = 0): PngChunk {
  return ['IHDR', [...u32be(width), ...u32be(height), depth, colorType, 0, 0, interlace]];
}

export function pngFile(chunks: readonly PngChunk[]): Uint8Array {
  const parts: Buffer[] = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  for (const [type, data, crc] of chunks) {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), Buffer.from(data)]);
    const head = Buffer.from(u32be(body.length - 4));
    const sum = Buffer.from(u32be(crc ?? crc32(body)));
    parts.push(head, body, sum);
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** An 8-bit RGB PNG of these raw rows (filter byte 0 added per row). */
export function rgbPng(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Uint8Array {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), y * (width * 3 + 1) + 1 + x * 3);
  return pngFile([ihdr(width, height), ['IDAT', deflateSync(raw)], ['IEND', []]]);
}
