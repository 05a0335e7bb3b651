import type { WasmMemory } from './webassembly-types.js';
import { VggError } from '@vggscope/core';
import { ARENA_BASE, WASM_PAGE } from './control-block.js';

const ALIGN = 64; // a cache line: every buffer starts on one

interface Block {
  start: number;
  size: number;
}

/**
 * First-fit allocator over the shared wasm memory, above the control block. It grows the memory
 * up to the maximum reserved when the memory was created, never while a kernel runs: `beforeGrow`
 * first waits for an op left running on the workers (`Team.flush`); past the maximum it throws
 * `E_OUT_OF_MEMORY`, never a wasm trap.
 */
export class Arena {
  /** Free blocks sorted by address, adjacent ones merged. */
  private readonly free: Block[] = [];
  private readonly used = new Map<number, number>();
  private top = ARENA_BASE;

  constructor(
    private readonly memory: WasmMemory,
    private readonly maxBytes: number,
    private readonly beforeGrow: () => void = () => {},
  ) {}

  /** Bytes currently allocated. */
  get allocated(): number {
    let n = 0;
    for (const size of this.used.values()) n += size;
    return n;
  }

  alloc(bytes: number, what: string): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    for (let i = 0; i < this.free.length; i++) {
      const block = this.free[i]!;
      if (block.size < size) continue;
      const start = block.start;
      if (block.size === size) this.free.splice(i, 1);
      else {
        block.start += size;
        block.size -= size;
      }
      this.used.set(start, size);
      return start;
    }
    const start = this.top;
    this.ensure(start + size, what);
    this.top = start + size;
    this.used.set(start, size);
    return start;
  }

  release(ptr: number): void {
    const size = this.used.get(ptr);
    if (size === undefined) return;
    this.used.delete(ptr);
    let i = this.free.findIndex((b) => b.start > ptr);
    if (i < 0) i = this.free.length;
    this.free.splice(i, 0, { start: ptr, size });
    // Merge with the next, then the previous neighbour.
    const next = this.free[i + 1];
    if (next && ptr + size === next.start) {
      this.free[i]!.size += next.size;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.start + prev.size === ptr) {
      prev.size += this.free[i]!.size;
      this.free.splice(i, 1);
      i--;
    }
    // A free block at the top goes back to the bump pointer.
    const last = this.free[this.free.length - 1];
    if (last && last.start + last.size === this.top) {
      this.top = last.start;
      this.free.pop();
    }
  }

  /** Grows the memory now for `bytes` more (fails early, before a pass, when they cannot fit). */
  reserve(bytes: number, what: string): void {
    this.ensure(this.top + bytes, what);
  }

  /** Grows the memory so that `end` bytes are addressable. */
  ensure(end: number, what: string): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    if (end > this.maxBytes) {
      throw new VggError(
        'E_OUT_OF_MEMORY',
        `simd backend: ${what} needs ${mib(end - this.top)} more, beyond the ${mib(this.maxBytes)} wasm memory limit ` +
          `(${mib(this.allocated)} in use); use a smaller batch or input, or fewer layers`,
      );
    }
    // A worker inside a posted op (a weight transform) must not see the memory grow under it: a
    // kernel trapped once in a full test run when it did (the only time the memory grew mid-op).
    this.beforeGrow();
    try {
      this.memory.grow(Math.ceil((end - have) / WASM_PAGE));
    } catch (e) {
      throw new VggError('E_OUT_OF_MEMORY', `simd backend: could not grow the wasm memory to ${mib(end)} for ${what}`, {
        cause: e,
      });
    }
  }
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
