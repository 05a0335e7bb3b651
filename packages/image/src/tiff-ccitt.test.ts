import { describe, expect, it } from 'vitest';
import { decodeCcitt } from './tiff-ccitt.js';

// Hand-coded bit streams from the T.4 tables (the corpus checks real files against Pillow).
const bitsToBytes = (s: string) => {
  const bits = s.replace(/ /g, '');
  return Uint8Array.from({ length: Math.ceil(bits.length / 8) }, (_, i) =>
    parseInt(bits.slice(i * 8, i * 8 + 8).padEnd(8, '0'), 2),
  );
};

describe('decodeCcitt', () => {
  it('width 8, Modified Huffman: white 3 (1000), black 2 (11), white 3 (1000) → 00011000', () => {
    expect([...decodeCcitt(bitsToBytes('1000 11 1000'), { compression: 2, width: 8, rows: 1, t4Options: 0 })]).toEqual([
      0b00011000,
    ]);
  });
  it('Group 4: a row of V0 against the white reference line stays white; horizontal mode sets the runs', () => {
    // Row 1: H, white 2 (0111), black 3 (10), then V0 for the end at b1 = 8 → 00111000.
    // Row 2: V0, V0 (the same changes as row 1) → 00111000 again.
    const out = decodeCcitt(bitsToBytes('001 0111 10 1   1 1 1'), { compression: 4, width: 8, rows: 2, t4Options: 0 });
    expect([...out]).toEqual([0b00111000, 0b00111000]);
  });
  it('a code not in the tables is an error, and so is data that ends early', () => {
    expect(() =>
      decodeCcitt(bitsToBytes('0000 0000 0000 0000'), { compression: 4, width: 8, rows: 1, t4Options: 0 }),
    ).toThrow(/bad CCITT/);
    expect(() => decodeCcitt(bitsToBytes('1000'), { compression: 2, width: 8, rows: 2, t4Options: 0 })).toThrow(
      /ends early|bad CCITT/,
    );
  });
  it('a megabyte of zero bits (no EOL) fails in linear time', () => {
    const t0 = performance.now();
    expect(() => decodeCcitt(new Uint8Array(1 << 20), { compression: 3, width: 64, rows: 4, t4Options: 0 })).toThrow();
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
