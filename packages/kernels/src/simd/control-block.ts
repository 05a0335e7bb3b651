/**
 * The fixed low part of the shared memory, mirrored by assembly/index.ts: one control block
 * (32-bit words) through which the main thread posts an op and every thread takes its jobs, then
 * one scratch area per thread. The arena for weights and activations starts at ARENA_BASE.
 */
export const CTRL_PTR = 1024;
/** Word indices in the control block. */
export const W = {
  /** Bumped by the main thread to post a new op; workers sleep on it. */
  GEN: 0,
  /** Non-zero: workers leave their loop. */
  STOP: 1,
  /** Next job to take (atomic add in the kernels). */
  COUNTER: 2,
  /**
   * Workers inside the current op (low bits), and CLOSED once the main thread has finished its
   * share: a worker that wakes after that stays out, so a worker descheduled by another process
   * never holds up the pass.
   */
  ACTIVE: 3,
  OP: 4,
  JOBS: 5,
  /** Non-zero when a worker trapped. */
  ERROR: 6,
  /** First argument word; the kernels read up to 16. */
  ARGS: 8,
} as const;
export const CTRL_WORDS = 32;
export const CLOSED = 1 << 30;
export const SCRATCH_BASE = 65536;
/** A thread's scratch: 4 KiB for the transforms (1152 bytes used), then a fused Winograd block's V and M. */
export const FUSED_BYTES = 512 * 1024;
export const SCRATCH_BYTES = 4096 + FUSED_BYTES;
export const MAX_THREADS = 64;
/** Above every thread's scratch (33 MiB of address space; untouched pages cost no RSS). */
export const ARENA_BASE = SCRATCH_BASE + MAX_THREADS * SCRATCH_BYTES;

/** Op codes of assembly/index.ts. */
export const OP = {
  gemm: 1,
  winogradInput: 2,
  winogradOutput: 3,
  im2col: 4,
  maxPool: 5,
  winogradWeights: 6,
  winogradFused: 7,
  // The reverse pass (assembly/backward.ts).
  winogradOutputLinear: 8,
  reluBackward: 9,
  maxPoolBackward: 10,
  denseData: 11,
} as const;
export type OpName = keyof typeof OP;

/** Rows of the GEMM register tile (A is padded to a multiple) and width of packed B panels. */
export const MR = 4;
export const NR = 8;

export function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}
