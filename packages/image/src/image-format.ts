/** The image formats we decode, detected from the file's first bytes (never from its name). */
export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'bmp' | 'webp' | 'tiff';

/**
 * File extensions to pick up when listing a folder of images. Decoding still goes by the bytes;
 * this only decides which files a folder scan offers to the decoder.
 */
export const IMAGE_FILE_EXTENSIONS = [
  'png',
  'jpg',
  'jpeg',
  'jpe',
  'jfif',
  'gif',
  'bmp',
  'dib',
  'webp',
  'tif',
  'tiff',
] as const;

const startsWith = (b: Uint8Array, sig: readonly number[], at = 0) => sig.every((v, i) => b[at + i] === v);
const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

/**
 * The format the bytes are in, by magic number, or `undefined`.
 * @example sniffFormat(new Uint8Array([0xff, 0xd8, 0xff])) // 'jpeg'
 */
export function sniffFormat(b: Uint8Array): ImageFormat | undefined {
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(b, ascii('GIF87a')) || startsWith(b, ascii('GIF89a'))) return 'gif';
  if (startsWith(b, ascii('BM'))) return 'bmp';
  if (startsWith(b, ascii('RIFF')) && startsWith(b, ascii('WEBP'), 8)) return 'webp';
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(b, [0x49, 0x49, 0x2b, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2b])) return 'tiff'; // BigTIFF
  return undefined;
}

/** Other well-known signatures, so an error can say what the file is instead of what it is not. */
const KNOWN_OTHERS: readonly [string, (b: Uint8Array) => boolean][] = [
  ['a PDF document', (b) => startsWith(b, ascii('%PDF'))],
  ['a ZIP archive', (b) => startsWith(b, [0x50, 0x4b, 0x03, 0x04])],
  ['a gzip file', (b) => startsWith(b, [0x1f, 0x8b])],
  ['an HTML page', (b) => /^\s*<(!doctype html|html)/i.test(new TextDecoder().decode(b.subarray(0, 64)))],
  [
    'an SVG or XML file (vector images are not supported; rasterise it)',
    (b) => /^\s*<(\?xml|svg)/i.test(new TextDecoder().decode(b.subarray(0, 64))),
  ],
  ['a HEIF/HEIC/AVIF image (not supported by Pillow either; convert it)', (b) => startsWith(b, ascii('ftyp'), 4)],
  ['a JPEG 2000 image (not supported; convert it)', (b) => startsWith(b, [0, 0, 0, 0x0c, 0x6a, 0x50])],
  ['a RIFF file that is not WebP', (b) => startsWith(b, ascii('RIFF'))],
];

/** What unknown bytes look like, for `E_IMAGE_DECODE` messages. */
export function describeBytes(b: Uint8Array): string {
  if (b.length === 0) return 'an empty file';
  const known = KNOWN_OTHERS.find(([, test]) => test(b));
  const hex = Array.from(b.subarray(0, 8), (x) => x.toString(16).padStart(2, '0')).join(' ');
  if (known) return `${known[0]} (first bytes ${hex})`;
  const head = b.subarray(0, 256);
  const printable = head.every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 128);
  if (printable) return `text, not an image (starts ${JSON.stringify(new TextDecoder().decode(b.subarray(0, 24)))})`;
  return `unrecognised bytes (first bytes ${hex})`;
}
