import { ABI } from './abi.js';

/**
 * The fixed low part of the shared memory (layout defined once in abi.ts): one control block
 * (32-bit words) through which the main thread posts an op and every thread takes its jobs, then
 * one scratch area per thread. The arena for weights and activations starts at ARENA_BASE.
 */
/** Bytes of a wasm memory page (the unit of `memory.grow` and `memory.size`). */
export const WASM_PAGE = 65536;
export const CTRL_PTR = ABI.ctrlPtr;
export const CTRL_WORDS = ABI.ctrlWords;
/** Word indices in the control block. */
export const W = ABI.words;
export const CLOSED = ABI.closed;
export const SCRATCH_BASE = ABI.scratchBase;
/** A thread's scratch: 4 KiB for the transforms, then a fused Winograd block's V and M. */
export const FUSED_BYTES = ABI.fusedBytes;
export const SCRATCH_BYTES = ABI.transformScratch + FUSED_BYTES;
export const MAX_THREADS = ABI.maxThreads;
export const MAX_PAGES = ABI.maxPages;
/** Above every thread's scratch (33 MiB of address space; untouched pages cost no RSS). */
export const ARENA_BASE = SCRATCH_BASE + MAX_THREADS * SCRATCH_BYTES;

/** Rows of the GEMM register tile (A is padded to a multiple) and width of packed B panels. */
export const MR = ABI.mr;
export const NR = ABI.nr;

export function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}
