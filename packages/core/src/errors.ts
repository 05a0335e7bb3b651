/**
 * Typed errors with stable codes. Every message names what was wrong and how to fix it;
 * the CLI maps each code's category to a documented exit status.
 */
export const ERROR_CODES = {
  E_USAGE: 'usage',
  E_UNKNOWN_LAYER: 'usage',
  E_UNKNOWN_MODEL: 'usage',
  E_INPUT_SIZE: 'input',
  E_INPUT_SHAPE: 'input',
  E_IMAGE_READ: 'input',
  E_IMAGE_DECODE: 'input',
  E_IMAGE_TOO_LARGE: 'input',
  E_NON_FINITE: 'input',
  E_WEIGHTS_NOT_FOUND: 'weights',
  E_WEIGHTS_FORMAT: 'weights',
  E_WEIGHTS_SHAPE: 'weights',
  E_WEIGHTS_MISSING: 'weights',
  E_WEIGHTS_CHECKSUM: 'weights',
  E_WEIGHTS_MODEL: 'weights',
  E_DOWNLOAD: 'weights',
  E_OUT_OF_MEMORY: 'runtime',
  E_WORKER: 'runtime',
  E_INTERNAL: 'runtime',
  E_INTERRUPTED: 'interrupted',
  E_OUTPUT: 'output',
  E_QUEUE: 'queue',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
export type ErrorCategory = (typeof ERROR_CODES)[ErrorCode];

/** Exit statuses of the CLI, by error category (documented in the README). */
export const EXIT_CODES: Record<ErrorCategory | 'ok' | 'partial', number> = {
  ok: 0,
  runtime: 1,
  usage: 2,
  input: 3,
  weights: 4,
  partial: 5,
  output: 6,
  /** Redis unreachable or refusing (bad URL, auth, wrong server), or a queue run that cannot go on. */
  queue: 7,
  interrupted: 130,
};

export interface VggErrorOptions {
  cause?: unknown;
  /**
   * How to fix it in CLI terms (`--model vgg19`); the message itself speaks library terms
   * (`model: 'vgg19'`), and the CLI prints the hint after it.
   */
  hint?: string;
}

export class VggError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  constructor(code: ErrorCode, message: string, options: VggErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VggError';
    this.code = code;
    if (options.hint) this.hint = options.hint;
  }
  get category(): ErrorCategory {
    return ERROR_CODES[this.code];
  }
}

export function isVggError(e: unknown, code?: ErrorCode): e is VggError {
  return e instanceof VggError && (code === undefined || e.code === code);
}

/** Wraps a foreign failure (decoder, wasm, fs) at our boundary, keeping it as `cause`. */
export function wrapError(code: ErrorCode, message: string, cause: unknown, hint?: string): VggError {
  if (cause instanceof VggError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new VggError(code, `${message}: ${detail}`, { cause, hint });
}

/** Errors raised from several places in core, made in one place so their wording stays the same. */
export const coreErrors = {
  /** Weights that belong to another model than the one asked for. */
  weightsModel(source: string, requested: string, belongsTo: string, evidence: string): VggError {
    return new VggError(
      'E_WEIGHTS_MODEL',
      `'${source}' holds ${belongsTo} weights (${evidence}), but the model is ${requested}; ` +
        `load it as model '${belongsTo}', or give ${requested} weights`,
      { hint: `pass --model ${belongsTo}, or --weights with ${requested} weights` },
    );
  },
  weightsShape(source: string, layer: string, role: string, expected: string, actual: string, model: string): VggError {
    return new VggError(
      'E_WEIGHTS_SHAPE',
      `${source}: layer '${layer}' ${role} should be ${expected} for ${model}, but the file has ${actual}; ` +
        'are these weights for another model or input size?',
    );
  },
} as const;
