import type { ParseArgsConfig } from 'node:util';
import { MODEL_NAMES, type Pooling, VggError } from '@vggscope/core';

/** Options of every command that loads weights. */
export const WEIGHTS_OPTIONS = {
  model: { type: 'string', default: 'vgg16' },
  weights: { type: 'string' },
  offline: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

/** Options shared by every command that builds a model. */
export const MODEL_OPTIONS = {
  ...WEIGHTS_OPTIONS,
  'include-top': { type: 'boolean', default: false },
  pooling: { type: 'string' },
  size: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const satisfies ParseArgsConfig['options'];

/** Runs a `parseArgs` call, turning its errors into usage errors that point at --help. */
export function usageErrors<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new VggError('E_USAGE', `${command}: ${(e as Error).message.replace(/\. To specify.*$/s, '')}; see 'vggscope ${command} --help'`);
  }
}

export function parseModel(value: string | undefined): string {
  const model = (value ?? 'vgg16').toLowerCase();
  if (!(MODEL_NAMES as string[]).includes(model)) {
    throw new VggError('E_USAGE', `--model must be one of ${MODEL_NAMES.join(', ')}, got '${value}'`);
  }
  return model;
}

export function parsePooling(value: string | undefined): Pooling | null {
  if (value === undefined) return null;
  if (value !== 'avg' && value !== 'max') throw new VggError('E_USAGE', `--pooling must be 'avg' or 'max', got '${value}'`);
  return value;
}

/** `224x224`, `300X200` (height × width) or a single `256` for a square. */
export function parseSize(value: string | undefined): [number, number] | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)(?:[x×X](\d+))?$/.exec(value.trim());
  if (!m) throw new VggError('E_USAGE', `--size must look like HxW (e.g. 224x224 or 300x451), got '${value}'`);
  return [Number(m[1]), Number(m[2] ?? m[1])];
}

/** Collects a repeatable string option into an array. */
export function many(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
