import type { Vp8lBits } from './vp8l-bits.js';

/** The first-level lookup width of a prefix-code table (libwebp's `HUFFMAN_TABLE_BITS`). */
const ROOT_BITS = 8;
const MAX_CODE_LENGTH = 15;
const CODE_LENGTH_ORDER = [17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

/**
 * A prefix code as libwebp's two-level lookup table: each entry is `bits << 16 | value`; a root
 * entry whose `bits` exceeds `ROOT_BITS` points (`value`) to a second-level table.
 */
export type PrefixCode = Int32Array;

/** The error every malformation in a VP8L stream becomes (wrapped as `E_IMAGE_DECODE` by `decodeImage`). */
export class Vp8lError extends Error {}

/**
 * Builds the lookup table of a canonical prefix code from its code lengths, or `undefined` when
 * libwebp's `BuildHuffmanTable` refuses them: all zero, over-subscribed, or incomplete (a single
 * used symbol is a valid zero-bit code). With `keep` false only validates.
 */
export function buildPrefixCode(lengths: ArrayLike<number>, n: number, rootBits: number, keep = true) {
  const count = new Int32Array(MAX_CODE_LENGTH + 1);
  for (let s = 0; s < n; s++) count[lengths[s]!]!++;
  if (count[0] === n) return undefined;
  const offset = new Int32Array(MAX_CODE_LENGTH + 1);
  for (let len = 1; len < MAX_CODE_LENGTH; len++) {
    if (count[len]! > 1 << len) return undefined;
    offset[len + 1] = offset[len]! + count[len]!;
  }
  const sorted = new Int32Array(n);
  for (let s = 0; s < n; s++) if (lengths[s]! > 0) sorted[offset[lengths[s]!]!++] = s;
  const used = offset[MAX_CODE_LENGTH]!;
  if (used === 1) return keep ? new Int32Array(1 << rootBits).fill(sorted[0]!) : EMPTY;
  // Pass 1: validate and size the table (second-level tables included), as libwebp's counting pass.
  let numOpen = 1;
  let numNodes = 1;
  for (let len = 1; len <= MAX_CODE_LENGTH; len++) {
    numOpen <<= 1;
    numNodes += numOpen;
    numOpen -= count[len]!;
    if (numOpen < 0) return undefined;
  }
  if (numNodes !== 2 * used - 1) return undefined;
  if (!keep) return EMPTY;
  return fillTable(count, sorted, rootBits);
}

const EMPTY = new Int32Array(0);

function fillTable(count: Int32Array, sorted: Int32Array, rootBits: number): PrefixCode {
  const root = new Int32Array(1 << rootBits);
  let table = root;
  let tableStart = 0; // where `table` begins in the final array
  let tableSize = 1 << rootBits;
  let total = tableSize;
  const seconds: Int32Array[] = [];
  let key = 0;
  let symbol = 0;
  for (let len = 1, step = 2; len <= rootBits; len++, step <<= 1) {
    for (; count[len]! > 0; count[len]!--) {
      replicate(table, key, step, tableSize, (len << 16) | sorted[symbol++]!);
      key = nextKey(key, len);
    }
  }
  const mask = (1 << rootBits) - 1;
  let low = -1;
  for (let len = rootBits + 1, step = 2; len <= MAX_CODE_LENGTH; len++, step <<= 1) {
    for (; count[len]! > 0; count[len]!--) {
      if ((key & mask) !== low) {
        tableStart = total;
        const bits = nextTableBits(count, len, rootBits);
        tableSize = 1 << bits;
        total += tableSize;
        table = new Int32Array(tableSize);
        seconds.push(table);
        low = key & mask;
        root[low] = ((bits + rootBits) << 16) | (tableStart - low);
      }
      replicate(table, key >>> rootBits, step, tableSize, ((len - rootBits) << 16) | sorted[symbol++]!);
      key = nextKey(key, len);
    }
  }
  if (seconds.length === 0) return root;
  const out = new Int32Array(total);
  out.set(root);
  let at = root.length;
  for (const t of seconds) {
    out.set(t, at);
    at += t.length;
  }
  return out;
}

function replicate(table: Int32Array, at: number, step: number, end: number, code: number): void {
  do {
    end -= step;
    table[at + end] = code;
  } while (end > 0);
}

function nextKey(key: number, len: number): number {
  let step = 1 << (len - 1);
  while (key & step) step >>= 1;
  return step ? (key & (step - 1)) + step : key;
}

function nextTableBits(count: Int32Array, len: number, rootBits: number): number {
  let left = 1 << (len - rootBits);
  while (len < MAX_CODE_LENGTH) {
    left -= count[len]!;
    if (left <= 0) break;
    len++;
    left <<= 1;
  }
  return len - rootBits;
}

/** Reads one symbol: a root lookup on 8 bits, then a second-level one for longer codes (libwebp's `ReadSymbol`). */
export function readSymbol(table: PrefixCode, br: Vp8lBits): number {
  br.fill();
  const v = br.peek();
  let e = table[v & 0xff]!;
  let bits = e >>> 16;
  if (bits > ROOT_BITS) {
    br.skip(ROOT_BITS);
    e = table[(e & 0xffff) + (v & 0xff) + ((v >>> ROOT_BITS) & ((1 << (bits - ROOT_BITS)) - 1))]!;
    bits = e >>> 16;
  }
  br.skip(bits);
  return e & 0xffff;
}

/**
 * One prefix code of `alphabetSize` symbols (RFC 9649 §3.7.2.1): simple (one or two 1/8-bit
 * symbols) or normal (code lengths coded with the code-length code). libwebp's `ReadHuffmanCode`.
 * `keep` false reads and validates a code that is never used (a meta code no tile names).
 */
export function readPrefixCode(br: Vp8lBits, alphabetSize: number, keep: boolean): PrefixCode {
  const lengths = new Uint8Array(alphabetSize);
  if (br.read(1)) {
    const two = br.read(1);
    const first = br.read(br.read(1) ? 8 : 1);
    if (first < alphabetSize) lengths[first] = 1;
    if (two) {
      const second = br.read(8);
      if (second < alphabetSize) lengths[second] = 1;
    }
  } else {
    const clLengths = new Uint8Array(19);
    const numCodes = br.read(4) + 4;
    for (let i = 0; i < numCodes; i++) clLengths[CODE_LENGTH_ORDER[i]!] = br.read(3);
    readCodeLengths(br, clLengths, alphabetSize, lengths);
  }
  if (br.overrun) throw new Vp8lError('the data ends inside a prefix code');
  const code = buildPrefixCode(lengths, alphabetSize, ROOT_BITS, keep);
  if (!code) throw new Vp8lError('an invalid prefix code (incomplete or over-subscribed)');
  return code;
}

function readCodeLengths(br: Vp8lBits, clLengths: Uint8Array, numSymbols: number, lengths: Uint8Array): void {
  const table = buildPrefixCode(clLengths, 19, 7);
  if (!table) throw new Vp8lError('an invalid code-length code');
  let maxSymbol = numSymbols;
  if (br.read(1)) {
    const nbits = 2 + 2 * br.read(3);
    maxSymbol = 2 + br.read(nbits);
    if (maxSymbol > numSymbols) throw new Vp8lError(`max_symbol ${maxSymbol} exceeds the alphabet (${numSymbols})`);
  }
  let prev = 8;
  for (let symbol = 0; symbol < numSymbols;) {
    if (maxSymbol-- === 0) break;
    br.fill();
    const e = table[br.peek() & 0x7f]!;
    br.skip(e >>> 16);
    const len = e & 0xffff;
    if (len < 16) {
      lengths[symbol++] = len;
      if (len !== 0) prev = len;
    } else {
      const slot = len - 16;
      const repeat = br.read([2, 3, 7][slot]!) + [3, 3, 11][slot]!;
      if (symbol + repeat > numSymbols) throw new Vp8lError('code lengths repeat past the alphabet');
      lengths.fill(len === 16 ? prev : 0, symbol, symbol + repeat);
      symbol += repeat;
    }
    if (br.overrun) throw new Vp8lError('the data ends inside code lengths');
  }
}
