import { readFileSync } from 'node:fs';
import { wasm } from '@vggscope/platform';
import { describe, expect, it } from 'vitest';
import { relaxedSimdAvailable, unshareMemoryImport } from './wasm-module.js';

// Where shared memory does not exist (a page that is not cross-origin isolated), the same kernel
// build must link against an unshared memory: the import's limits flag is rewritten, nothing else.
describe('unshareMemoryImport', () => {
  relaxedSimdAvailable(); // turns V8's flag on (Node 20) so the FMA build compiles
  for (const file of ['vggscope-simd.wasm', 'vggscope-simd-fma.wasm', 'vggscope-simd-fma-emulated.wasm']) {
    it(`${file}: links to an unshared memory after the patch, not before; one byte differs`, async () => {
      const bytes = new Uint8Array(readFileSync(new URL(`../../wasm/${file}`, import.meta.url)));
      const unshared = unshareMemoryImport(bytes);
      expect(unshared.length).toBe(bytes.length);
      expect(unshared.filter((b, i) => b !== bytes[i]).length).toBe(1);
      const memory = new wasm.Memory({ initial: 512, maximum: 65536 });
      const before = await wasm.compile(bytes);
      expect(() => new wasm.Instance(before, { env: { memory } })).toThrow(/shared/i);
      const after = await wasm.compile(unshared);
      expect(typeof new wasm.Instance(after, { env: { memory } }).exports.work).toBe('function');
    });
  }
});
