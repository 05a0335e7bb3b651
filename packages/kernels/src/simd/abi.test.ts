import { describe, expect, it } from 'vitest';
import { ABI, abiHash, abiValues } from './abi.js';
import { compileKernels } from './wasm-module.js';

interface AbiExports {
  abiHash(): number;
  abiValue(i: number): number;
}

describe('wasm ABI: src/simd/abi.ts and the built modules agree', () => {
  it.each([true, false])('fma=%s: every value and the hash', async (fma) => {
    const { module } = await compileKernels(fma);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: ABI.maxPages, shared: true });
    const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as AbiExports;
    const want = abiValues();
    const got = want.map((_, i) => exports.abiValue(i));
    expect(got).toEqual(want);
    expect(exports.abiValue(want.length)).toBe(-1);
    expect(exports.abiHash() >>> 0).toBe(abiHash());
  });

  it('keeps every op argument list within the control block', () => {
    for (const [op, { args }] of Object.entries(ABI.ops)) {
      expect(ABI.words.args + args.length, op).toBeLessThanOrEqual(ABI.ctrlWords);
      expect(new Set(args).size, op).toBe(args.length);
    }
    expect(new Set(Object.values(ABI.ops).map((o) => o.code)).size).toBe(Object.keys(ABI.ops).length);
  });
});
