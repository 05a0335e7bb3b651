import { decompressLimited } from './zlib-stream.js';

/**
 * PNG chunk handling as Pillow 9.4's PngImagePlugin does it (`PngStream`): which chunks it reads,
 * what it checks, and what makes it refuse a file. Only what changes a decision or a pixel is kept.
 */

/** Pillow's `_MODES`: (bit depth, colour type) → mode, raw mode. Other pairs leave the mode unset. */
export const PNG_MODES: Record<string, readonly [string, string]> = {
  '1,0': ['1', '1'],
  '2,0': ['L', 'L;2'],
  '4,0': ['L', 'L;4'],
  '8,0': ['L', 'L'],
  '16,0': ['I', 'I;16B'],
  '8,2': ['RGB', 'RGB'],
  '16,2': ['RGB', 'RGB;16B'],
  '1,3': ['P', 'P;1'],
  '2,3': ['P', 'P;2'],
  '4,3': ['P', 'P;4'],
  '8,3': ['P', 'P'],
  '8,4': ['LA', 'LA'],
  '16,4': ['RGBA', 'LA;16B'],
  '8,6': ['RGBA', 'RGBA'],
  '16,6': ['RGBA', 'RGBA;16B'],
};

/** `ImageFile.SAFEBLOCK`: Pillow's limit on one decompressed text or ICC chunk. */
const MAX_TEXT_CHUNK = 1024 * 1024;
const MAX_TEXT_MEMORY = 64 * MAX_TEXT_CHUNK;

/** A chunk as `ChunkStream.read` sees it: its type, where its data starts, its declared length. */
export interface Chunk {
  readonly type: string;
  readonly pos: number;
  readonly length: number;
}

/** What Pillow's `PngStream` has learned so far. */
export interface PngState {
  width: number;
  height: number;
  mode?: string;
  rawmode?: string;
  interlaced: boolean;
  palette?: Uint8Array;
  /** `info['transparency']`: an index/grey level, an RGB triple, or palette alphas. */
  transparency?: number | readonly [number, number, number] | Uint8Array;
  nFrames?: number;
  seqNum?: number;
  bbox?: readonly [number, number, number, number];
  textMemory: number;
  /** `is_animated`, fixed when `_open` ends. */
  animated?: boolean;
}

/** A reason Pillow refuses the file (an exception escaping `Image.open`, `load` or `convert`). */
export class PngRefusal extends Error {}

/** The chunks `load()` reads image data from, one after another. */
export const DATA_CHUNKS: ReadonlySet<string> = new Set(['IDAT', 'DDAT', 'fdAT']);

const CID = /^[A-Za-z0-9_]{4}$/;

/**
 * `ChunkStream.read`: the next chunk's header at `at`. Fewer than 4 bytes left is a `struct.error`
 * and a type that is not four word characters "broken PNG file"; both refuse the file.
 */
export function readChunkHeader(b: Uint8Array, at: number): Chunk {
  if (at + 4 > b.length) throw new PngRefusal('truncated PNG file (a chunk header is cut off)');
  const type = String.fromCharCode(...b.subarray(at + 4, Math.min(at + 8, b.length)));
  if (!CID.test(type)) throw new PngRefusal(`broken PNG file (chunk ${JSON.stringify(type)})`);
  const length = ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  return { type, pos: at + 8, length };
}

/** `ImageFile._safe_read`: exactly `length` bytes or "Truncated File Read". */
export function safeRead(b: Uint8Array, pos: number, length: number): Uint8Array {
  if (pos + length > b.length) throw new PngRefusal('truncated PNG file (Truncated File Read)');
  return b.subarray(pos, pos + length);
}

const u32 = (s: Uint8Array, at: number, what: string) => {
  if (at + 4 > s.length) throw new PngRefusal(`${what} chunk too short`);
  return ((s[at]! << 24) | (s[at + 1]! << 16) | (s[at + 2]! << 8) | s[at + 3]!) >>> 0;
};
const u16 = (s: Uint8Array, at: number, what: string) => {
  if (at + 2 > s.length) throw new PngRefusal(`${what} chunk too short`);
  return (s[at]! << 8) | s[at + 1]!;
};

type Handler = (st: PngState, s: Uint8Array) => void;

/** The handlers of the chunks Pillow knows, given the chunk's data (`_safe_read` already done). */
const HANDLERS: Record<string, Handler> = {
  IHDR(st, s) {
    if (s.length < 13) throw new PngRefusal('Truncated IHDR chunk');
    st.width = u32(s, 0, 'IHDR');
    st.height = u32(s, 4, 'IHDR');
    const mode = PNG_MODES[`${s[8]},${s[9]}`];
    if (mode) [st.mode, st.rawmode] = mode;
    if (s[12]) st.interlaced = true;
    if (s[11]) throw new PngRefusal('unknown filter category');
  },
  PLTE(st, s) {
    if (st.mode === 'P') st.palette = s;
  },
  tRNS(st, s) {
    // Mode P: an index or palette alphas, neither of which convert('RGB') can fail on.
    if (st.mode === 'P') st.transparency = s;
    else if (st.mode === '1' || st.mode === 'L' || st.mode === 'I') st.transparency = u16(s, 0, 'tRNS');
    else if (st.mode === 'RGB') st.transparency = [u16(s, 0, 'tRNS'), u16(s, 2, 'tRNS'), u16(s, 4, 'tRNS')];
  },
  gAMA(_st, s) {
    u32(s, 0, 'gAMA');
  },
  cHRM(_st, s) {
    if (s.length % 4) throw new PngRefusal('cHRM chunk length is not a multiple of 4 (struct.error)');
  },
  sRGB(_st, s) {
    if (s.length < 1) throw new PngRefusal('Truncated sRGB chunk');
  },
  pHYs(_st, s) {
    if (s.length < 9) throw new PngRefusal('Truncated pHYs chunk');
  },
  tEXt(st, s) {
    const nul = s.indexOf(0);
    const [k, v] = nul < 0 ? [s, s.subarray(s.length)] : [s.subarray(0, nul), s.subarray(nul + 1)];
    if (k.length) addText(st, v.length);
  },
  zTXt(st, s) {
    const nul = s.indexOf(0);
    const [k, v] = nul < 0 ? [s, s.subarray(s.length)] : [s.subarray(0, nul), s.subarray(nul + 1)];
    const method = v.length ? v[0]! : 0;
    if (method !== 0) throw new PngRefusal(`Unknown compression method ${method} in zTXt chunk`);
    const text = inflateText(v.subarray(1), 'zTXt');
    if (k.length) addText(st, text === 'error' ? 0 : text.length);
  },
  iTXt(st, s) {
    const nul = s.indexOf(0);
    if (nul < 0) return;
    const r = s.subarray(nul + 1);
    if (r.length < 2) return;
    const [flag, method, rest] = [r[0]!, r[1]!, r.subarray(2)];
    const a = rest.indexOf(0);
    const b = a < 0 ? -1 : rest.indexOf(0, a + 1);
    if (b < 0) return;
    let v = rest.subarray(b + 1);
    if (flag !== 0) {
      if (method !== 0) return;
      const text = inflateText(v, 'iTXt');
      if (text === 'error') return;
      v = text;
    }
    const decoded = [rest.subarray(0, a), rest.subarray(a + 1, b), v].map(utf8OrUndefined);
    if (decoded.some((d) => d === undefined)) return;
    addText(st, [...decoded[2]!].length);
  },
  iCCP(_st, s) {
    let i = s.indexOf(0);
    if (s.length === 0) throw new PngRefusal('empty iCCP chunk');
    const method = s.at(i)!; // Python's s[-1] when there is no NUL
    if (method !== 0) throw new PngRefusal(`Unknown compression method ${method} in iCCP chunk`);
    if (i < 0) i = -1;
    inflateText(s.subarray(i + 2), 'iCCP');
  },
  acTL(st, s) {
    if (s.length < 8) throw new PngRefusal('APNG contains truncated acTL chunk');
    const n = u32(s, 0, 'acTL');
    if (st.nFrames !== undefined) st.nFrames = undefined;
    else if (n !== 0 && n <= 0x80000000) st.nFrames = n;
  },
  fcTL(st, s) {
    if (s.length < 26) throw new PngRefusal('APNG contains truncated fcTL chunk');
    const seq = u32(s, 0, 'fcTL');
    if ((st.seqNum === undefined && seq !== 0) || (st.seqNum !== undefined && st.seqNum !== seq - 1))
      throw new PngRefusal('APNG contains frame sequence errors');
    st.seqNum = seq;
    const [w, h, px, py] = [4, 8, 12, 16].map((o) => u32(s, o, 'fcTL')) as [number, number, number, number];
    if (px + w > st.width || py + h > st.height) throw new PngRefusal('APNG contains invalid frames');
    st.bbox = [px, py, px + w, py + h];
  },
};

/** `_safe_zlib_decompress`: too large refuses the file; a zlib error only drops the chunk. */
function inflateText(data: Uint8Array, chunk: string): Uint8Array | 'error' {
  const out = decompressLimited(data, MAX_TEXT_CHUNK);
  if (out === 'too-large')
    throw new PngRefusal(
      `its ${chunk} chunk decompresses to more than Pillow's limit of 1 MiB (Decompressed Data Too Large)`,
    );
  return out;
}

function addText(st: PngState, chars: number): void {
  st.textMemory += chars;
  if (st.textMemory > MAX_TEXT_MEMORY)
    throw new PngRefusal(`Too much memory used in text chunks: ${st.textMemory}>MAX_TEXT_MEMORY`);
}

function utf8OrUndefined(b: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b);
  } catch {
    return undefined;
  }
}

/**
 * Runs Pillow's handler for `chunk` (reading its data, `_safe_read`), or just reads an unknown
 * chunk. Returns the data, for the CRC check `_open` does next.
 */
export function callChunk(st: PngState, b: Uint8Array, chunk: Chunk): Uint8Array {
  const s = safeRead(b, chunk.pos, chunk.length);
  HANDLERS[chunk.type]?.(st, s);
  return s;
}

/** The `fdAT` handler: a 4-byte sequence number checked against the frame sequence. */
export function checkFdat(st: PngState, b: Uint8Array, chunk: Chunk): void {
  if (chunk.length < 4) throw new PngRefusal('APNG contains truncated fDAT chunk');
  const seq = u32(safeRead(b, chunk.pos, 4), 0, 'fdAT');
  if (st.seqNum !== seq - 1) throw new PngRefusal('APNG contains frame sequence errors');
  st.seqNum = seq;
}

/** CRC-32 of type + data against the 4 bytes after the data, as `ChunkStream.crc` checks it. */
export function checkCrc(b: Uint8Array, chunk: Chunk, data: Uint8Array): void {
  const at = chunk.pos + chunk.length;
  if (at + 4 > b.length) throw new PngRefusal(`broken PNG file (incomplete checksum in '${chunk.type}')`);
  let c = crcUpdate(0xffffffff, b.subarray(chunk.pos - 4, chunk.pos));
  c = crcUpdate(c, data) ^ 0xffffffff;
  const stored = ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  if (c >>> 0 !== stored) throw new PngRefusal(`broken PNG file (bad header checksum in '${chunk.type}')`);
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function crcUpdate(crc: number, data: Uint8Array): number {
  let c = crc;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return c;
}
