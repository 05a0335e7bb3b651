/**
 * The one definition of the interface between the TypeScript side and the AssemblyScript kernels:
 * memory layout, control-block words, op codes, each op's arguments by name, register-tile sizes.
 * `scripts/build-wasm.mjs` reads this file (no imports, plain data) and generates
 * `assembly/abi.generated.ts` from it (it may hold consts, the ABI object and functions, no imports); the module exports `abiHash()` and `abiValue(i)`, which
 * `team.ts` and `abi.test.ts` compare with this file, so a stale build or a hand-edited constant
 * fails loudly instead of computing garbage.
 */
const WINOGRAD_INPUT_ARGS = [
  'src',
  'imageBytes',
  'h',
  'w',
  'cp',
  'v',
  'tilesW',
  'tiles',
  'first',
  'count',
  'rows',
  'perJob',
] as const;
/** `bias` 0: none; `relu` 0: linear output (the reverse pass's conv ∂x), as in `gemm`. */
const WINOGRAD_OUTPUT_ARGS = [
  'm',
  'bias',
  'relu',
  'out',
  'imageBytes',
  'h',
  'w',
  'cp',
  'tilesW',
  'tiles',
  'first',
  'count',
  'rows',
  'perJob',
] as const;
const WINOGRAD_WEIGHTS_ARGS = ['src', 'kPad', 'nPad', 'dst', 'perJob'] as const;
const WINOGRAD_FUSED_ARGS = [
  'src',
  'srcImageBytes',
  'h',
  'w',
  'k',
  'u',
  'n',
  'bias',
  'relu',
  'out',
  'outImageBytes',
  'tilesW',
  'tiles',
  'tilesPerJob',
] as const;

export const ABI = {
  /** Byte address of the control block (32-bit words) in the shared memory. */
  ctrlPtr: 1024,
  ctrlWords: 32,
  /** Word indices in the control block. */
  words: {
    /** Bumped by the main thread to post a new op; workers sleep on it. */
    gen: 0,
    /** Non-zero: workers leave their loop. */
    stop: 1,
    /** Next job to take (atomic add in the kernels). */
    counter: 2,
    /**
     * Workers inside the current op (low bits), and `closed` once the main thread has finished its
     * share: a worker that wakes after that stays out, so a descheduled worker never holds up a pass.
     */
    active: 3,
    op: 4,
    jobs: 5,
    /** Non-zero when a worker trapped: the address of its message (its scratch). */
    error: 6,
    /**
     * The memory's size in pages when the op was posted. A worker whose last refresh saw another size
     * calls `memory.grow(0)` before it takes jobs: an engine may let a thread see a shared memory's
     * growth by another thread late (V8 updates each thread's view on an interrupt; Chrome 149+ only
     * when that thread grows it), and `memory.fill`/`memory.copy` check bounds against that view.
     */
    pages: 7,
    /** First argument word. */
    args: 8,
  },
  closed: 1 << 30,
  /** Per-thread scratch areas start here, one every `scratchBytes`. */
  scratchBase: 65536,
  /** Bytes of a thread's scratch used by the transforms; a fused Winograd block's V and M follow. */
  transformScratch: 4096,
  fusedBytes: 512 * 1024,
  maxThreads: 64,
  /** The modules' declared maximum (4 GiB: all of wasm32; untouched pages cost no RSS). */
  maxPages: 65536,
  /** GEMM register tile: rows (A is padded to a multiple) and columns (width of packed B panels). */
  mr: 4,
  nr: 8,
  /** Op codes and each op's argument words, in order. Pointers and byte strides are unsigned. */
  ops: {
    gemm: {
      code: 1,
      args: [
        'a',
        'lda',
        'strideA',
        'b',
        'strideB',
        'c',
        'ldc',
        'strideC',
        'rows',
        'k',
        'n',
        'rowsPerJob',
        'bias',
        'relu',
        'colsPerJob',
      ],
    },
    winogradInput: { code: 2, args: WINOGRAD_INPUT_ARGS },
    winogradOutput: { code: 3, args: WINOGRAD_OUTPUT_ARGS },
    im2col: { code: 4, args: ['src', 'h', 'w', 'cp', 'c', 'dst', 'pixels', 'first', 'rows', 'perJob'] },
    maxPool: { code: 5, args: ['src', 'h', 'w', 'cp', 'dst', 'perJob'] },
    winogradWeights: { code: 6, args: WINOGRAD_WEIGHTS_ARGS },
    winogradFused: { code: 7, args: WINOGRAD_FUSED_ARGS },
    // F(2×2,3×3): the same arguments as the F(4×4) ops (the kernels read them with those names).
    winograd2Input: { code: 8, args: WINOGRAD_INPUT_ARGS },
    winograd2Output: { code: 9, args: WINOGRAD_OUTPUT_ARGS },
    winograd2Weights: { code: 10, args: WINOGRAD_WEIGHTS_ARGS },
    // The reverse pass (assembly/backward.ts; its conv ∂x is winogradOutput/winogradFused with relu 0).
    // reluMask packs a ReLU output to 1 bit a float; reluBackward reads either (packed 1).
    reluMask: { code: 11, args: ['y', 'mask', 'floats', 'perJob'] },
    reluBackward: { code: 12, args: ['dy', 'y', 'out', 'floats', 'perJob', 'guided', 'packed'] },
    maxPoolBackward: { code: 13, args: ['x', 'dy', 'out', 'h', 'w', 'cp', 'perJob'] },
    denseData: {
      code: 14,
      args: ['dz', 'dzStride', 'wt', 'k', 'nPad', 'dx', 'dxStride', 'images', 'perJob'],
    },
    // F(6×6,3×3) (assembly/winograd6.ts): the F(4×4) ops' arguments, 64 positions.
    winograd6Input: { code: 15, args: WINOGRAD_INPUT_ARGS },
    winograd6Output: { code: 16, args: WINOGRAD_OUTPUT_ARGS },
    winograd6Weights: { code: 17, args: WINOGRAD_WEIGHTS_ARGS },
    winograd6Fused: { code: 18, args: WINOGRAD_FUSED_ARGS },
  },
} as const;

export type OpName = keyof typeof ABI.ops;
/** An op's arguments as a record with named fields (written to the control block in ABI order). */
export type OpArgs<O extends OpName> = { readonly [K in (typeof ABI.ops)[O]['args'][number]]: number };

/**
 * The ABI flattened to numbers in a fixed order: the module's `abiValue(i)` returns the same list
 * (compared in abi.test.ts), and `abiHash` is its FNV-1a hash.
 */
export function abiValues(): number[] {
  const v: number[] = [ABI.ctrlPtr, ABI.ctrlWords, ...Object.values(ABI.words), ABI.closed, ABI.scratchBase];
  v.push(ABI.transformScratch, ABI.fusedBytes, ABI.maxThreads, ABI.maxPages, ABI.mr, ABI.nr);
  for (const op of Object.values(ABI.ops)) v.push(op.code, op.args.length);
  return v;
}

export function abiHash(values: readonly number[] = abiValues()): number {
  let h = 0x811c9dc5;
  for (const x of values) {
    for (let s = 0; s < 32; s += 8) h = Math.imul(h ^ ((x >>> s) & 0xff), 0x01000193) >>> 0;
  }
  return h;
}
