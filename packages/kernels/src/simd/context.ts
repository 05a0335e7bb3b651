import type { WasmMemory } from './webassembly-types.js';
import type { Arena } from './arena.js';
import type { Team } from './team.js';

/** What every simd op needs: the shared memory, its allocator, and the thread team. */
export interface SimdContext {
  readonly memory: WasmMemory;
  readonly arena: Arena;
  readonly team: Team;
  /** Winograd tile-block fusion: 'auto' picks it per layer (see conv-winograd.ts). */
  readonly fusion: 'auto' | 'always' | 'never';
  /** Bytes of a conv's scratch per chunk (Winograd V + M, im2col matrix): bounds memory at any input size. */
  readonly chunkBytes: number;
}

/** A float32 view of the whole memory; re-made per use because growing replaces `memory.buffer`. */
export function f32(ctx: SimdContext): Float32Array {
  return new Float32Array(ctx.memory.buffer);
}

/** Jobs of about `perJob` items each so every thread gets several: `[perJob, jobs]`. */
export function split(items: number, threads: number, maxPerJob: number): [number, number] {
  const perJob = Math.max(1, Math.min(maxPerJob, Math.ceil(items / (8 * threads))));
  return [perJob, Math.ceil(items / perJob)];
}
