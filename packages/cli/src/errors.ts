import { VggError } from '@vggscope/core';

/** The CLI's usage errors, worded once: every bad flag value reads `--flag must be …, got '…'`. */
export const cliErrors = {
  badValue(flag: string, expected: string, got: unknown): VggError {
    return new VggError('E_USAGE', `${flag} must be ${expected}, got '${String(got)}'`);
  },
  /** A whole number in [min, max] (max optional), or the error saying so. */
  wholeNumber(flag: string, value: string | undefined, min: number, max?: number): number {
    const n = Number(value);
    if (
      value === undefined ||
      value.trim() === '' ||
      !Number.isInteger(n) ||
      n < min ||
      (max !== undefined && n > max)
    ) {
      throw cliErrors.badValue(
        flag,
        max === undefined ? `a whole number ≥ ${min}` : `a whole number from ${min} to ${max}`,
        value,
      );
    }
    return n;
  },
} as const;
