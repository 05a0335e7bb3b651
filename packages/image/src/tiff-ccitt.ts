/**
 * CCITT fax decompression for TIFF (compression 2: Modified Huffman; 3: T.4 Group 3, 1-D or 2-D;
 * 4: T.6 Group 4), as libtiff hands it to Pillow: bit rows, MSB first, "white" runs as 0 bits and
 * "black" runs as 1 bits (the photometric tag then says which is light). Bounded: it stops at
 * `rows` rows or the end of the data; a code that is not in the tables is an error.
 */

// Run-length codes (ITU-T T.4 tables 2 and 3): "code:run" for terminating and make-up codes.
const WHITE =
  '00110101:0 000111:1 0111:2 1000:3 1011:4 1100:5 1110:6 1111:7 10011:8 10100:9 00111:10 01000:11 001000:12 ' +
  '000011:13 110100:14 110101:15 101010:16 101011:17 0100111:18 0001100:19 0001000:20 0010111:21 0000011:22 ' +
  '0000100:23 0101000:24 0101011:25 0010011:26 0100100:27 0011000:28 00000010:29 00000011:30 00011010:31 ' +
  '00011011:32 00010010:33 00010011:34 00010100:35 00010101:36 00010110:37 00010111:38 00101000:39 00101001:40 ' +
  '00101010:41 00101011:42 00101100:43 00101101:44 00000100:45 00000101:46 00001010:47 00001011:48 01010010:49 ' +
  '01010011:50 01010100:51 01010101:52 00100100:53 00100101:54 01011000:55 01011001:56 01011010:57 01011011:58 ' +
  '01001010:59 01001011:60 00110010:61 00110011:62 00110100:63 11011:64 10010:128 010111:192 0110111:256 ' +
  '00110110:320 00110111:384 01100100:448 01100101:512 01101000:576 01100111:640 011001100:704 011001101:768 ' +
  '011010010:832 011010011:896 011010100:960 011010101:1024 011010110:1088 011010111:1152 011011000:1216 ' +
  '011011001:1280 011011010:1344 011011011:1408 010011000:1472 010011001:1536 010011010:1600 011000:1664 ' +
  '010011011:1728';
const BLACK =
  '0000110111:0 010:1 11:2 10:3 011:4 0011:5 0010:6 00011:7 000101:8 000100:9 0000100:10 0000101:11 0000111:12 ' +
  '00000100:13 00000111:14 000011000:15 0000010111:16 0000011000:17 0000001000:18 00001100111:19 00001101000:20 ' +
  '00001101100:21 00000110111:22 00000101000:23 00000010111:24 00000011000:25 000011001010:26 000011001011:27 ' +
  '000011001100:28 000011001101:29 000001101000:30 000001101001:31 000001101010:32 000001101011:33 ' +
  '000011010010:34 000011010011:35 000011010100:36 000011010101:37 000011010110:38 000011010111:39 ' +
  '000001101100:40 000001101101:41 000011011010:42 000011011011:43 000001010100:44 000001010101:45 ' +
  '000001010110:46 000001010111:47 000001100100:48 000001100101:49 000001010010:50 000001010011:51 ' +
  '000000100100:52 000000110111:53 000000111000:54 000000100111:55 000000101000:56 000001011000:57 ' +
  '000001011001:58 000000101011:59 000000101100:60 000001011010:61 000001100110:62 000001100111:63 ' +
  '0000001111:64 000011001000:128 000011001001:192 000001011011:256 000000110011:320 000000110100:384 ' +
  '000000110101:448 0000001101100:512 0000001101101:576 0000001001010:640 0000001001011:704 0000001001100:768 ' +
  '0000001001101:832 0000001110010:896 0000001110011:960 0000001110100:1024 0000001110101:1088 ' +
  '0000001110110:1152 0000001110111:1216 0000001010010:1280 0000001010011:1344 0000001010100:1408 ' +
  '0000001010101:1472 0000001011010:1536 0000001011011:1600 0000001100100:1664 0000001100101:1728';
const EXTENDED =
  '00000001000:1792 00000001100:1856 00000001101:1920 000000010010:1984 000000010011:2048 000000010100:2112 ' +
  '000000010101:2176 000000010110:2240 000000010111:2304 000000011100:2368 000000011101:2432 000000011110:2496 ' +
  '000000011111:2560';
// 2-D modes (T.4 table 4): pass, horizontal, vertical with offset −3…3.
const MODES = '0001:P 001:H 1:V0 011:VR1 000011:VR2 0000011:VR3 010:VL1 000010:VL2 0000010:VL3';

type Table = Map<number, number | string>; // key: length << 16 | code
function table(...specs: string[]): Table {
  const t: Table = new Map();
  for (const spec of specs)
    for (const entry of spec.split(' ')) {
      const [code, value] = entry.split(':') as [string, string];
      t.set((code.length << 16) | parseInt(code, 2), /^\d+$/.test(value) ? Number(value) : value);
    }
  return t;
}
const WHITE_T = table(WHITE, EXTENDED);
const BLACK_T = table(BLACK, EXTENDED);
const MODE_T = table(MODES);

class Bits {
  private pos = 0;
  constructor(private readonly b: Uint8Array) {}
  get done(): boolean {
    return this.pos >= this.b.length * 8;
  }
  bit(): number {
    if (this.done) throw new Error('CCITT data ends early');
    const v = (this.b[this.pos >> 3]! >> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return v;
  }
  alignToByte(): void {
    this.pos = (this.pos + 7) & ~7;
  }
  code(t: Table, what: string): number | string {
    let v = 0;
    for (let len = 1; len <= 13; len++) {
      v = (v << 1) | this.bit();
      const hit = t.get((len << 16) | v);
      if (hit !== undefined) return hit;
    }
    throw new Error(`bad CCITT ${what} code`);
  }
  /** A run: make-up codes then one terminating code. */
  run(black: boolean): number {
    let total = 0;
    for (let guard = 0; guard < 1 << 16; guard++) {
      const r = this.code(black ? BLACK_T : WHITE_T, black ? 'black run' : 'white run') as number;
      total += r;
      if (r < 64) return total;
    }
    throw new Error('CCITT run too long');
  }
  /** Skips fill bits and an EOL (eleven or more 0 bits, then 1), if one is next; returns whether it was. */
  eol(): boolean {
    const end = this.b.length * 8;
    let p = this.pos;
    while (p < end && ((this.b[p >> 3]! >> (7 - (p & 7))) & 1) === 0) p++;
    if (p - this.pos >= 11 && p < end) {
      this.pos = p + 1;
      return true;
    }
    return false;
  }
}

export interface CcittParams {
  readonly compression: 2 | 3 | 4;
  readonly width: number;
  readonly rows: number;
  /** T4Options (tag 292) bit 0: 2-D coding; T6Options are all zero for what we accept. */
  readonly t4Options: number;
}

/** Decompresses one strip or tile to `rows` packed bit rows of `ceil(width / 8)` bytes. */
export function decodeCcitt(src: Uint8Array, p: CcittParams): Uint8Array {
  const rowBytes = Math.ceil(p.width / 8);
  const out = new Uint8Array(rowBytes * p.rows);
  const bits = new Bits(src);
  let ref = [p.width, p.width]; // the imaginary white line above the first
  for (let y = 0; y < p.rows; y++) {
    let twoD = p.compression === 4;
    if (p.compression === 3) {
      bits.eol();
      if (p.t4Options & 1) twoD = bits.bit() === 0;
    }
    const changes = twoD ? decode2d(bits, ref, p.width) : decode1d(bits, p.width);
    fillRow(out, y * rowBytes, changes, p.width);
    ref = [...changes, p.width, p.width];
    if (p.compression === 2) bits.alignToByte();
  }
  return out;
}

/** A Modified Huffman row: alternating white and black runs; returns the changing positions. */
function decode1d(bits: Bits, width: number): number[] {
  const changes: number[] = [];
  let x = 0;
  for (let black = false; x < width; black = !black) {
    x += bits.run(black);
    if (x > width) throw new Error('CCITT row longer than the image');
    if (x < width || black === false) changes.push(x);
  }
  return trim(changes, width);
}

/** A T.4 2-D / T.6 row against the reference row's changing positions. */
function decode2d(bits: Bits, ref: number[], width: number): number[] {
  const changes: number[] = [];
  let a0 = -1;
  let black = false;
  let i = 0;
  while (a0 < width) {
    while (i > 0 && ref[i - 1]! > a0) i--;
    while (i < ref.length && ref[i]! <= a0) i++;
    if ((i & 1) !== (black ? 1 : 0)) i++;
    const b1 = ref[i] ?? width;
    const b2 = ref[i + 1] ?? width;
    const mode = String(bits.code(MODE_T, 'mode'));
    const start = Math.max(a0, 0);
    if (mode === 'P') {
      a0 = b2;
    } else if (mode === 'H') {
      const a1 = start + bits.run(black);
      const a2 = a1 + bits.run(!black);
      if (a2 > width) throw new Error('CCITT row longer than the image');
      changes.push(a1, a2);
      a0 = a2;
    } else {
      const d = mode === 'V0' ? 0 : (mode[1] === 'R' ? 1 : -1) * Number(mode[2]);
      const a1 = b1 + d;
      if (a1 < start || a1 > width) throw new Error('CCITT vertical code points outside the row');
      changes.push(a1);
      a0 = a1;
      black = !black;
    }
  }
  return trim(changes, width);
}

/** Changing positions inside the row, in order (a change at `width` is the row's end, not a pixel). */
function trim(changes: number[], width: number): number[] {
  return changes.filter((c) => c < width);
}

/** Sets the 1 bits of the black runs: between changes 2k and 2k+1 (the row starts white). */
function fillRow(out: Uint8Array, at: number, changes: number[], width: number): void {
  for (let k = 0; k < changes.length; k += 2) {
    const end = Math.min(changes[k + 1] ?? width, width);
    for (let x = changes[k]!; x < end; x++) out[at + (x >> 3)]! |= 0x80 >> (x & 7);
  }
}
