import { cliErrors } from './errors.js';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { availableParallelism } from 'node:os';
import { closestName, MODEL_NAMES, type Pooling, TEST_MODEL_NAMES, VggError } from '@vggscope/core';
import { RUN } from './help.js';
import { BACKEND_NAMES, DEFAULT_BACKEND } from '@vggscope/kernels'; // the table only: no backend runtime loads until one is created

/** Options of every command that loads weights. */
export const WEIGHTS_OPTIONS = {
  model: { type: 'string', default: 'vgg16' },
  weights: { type: 'string' },
  offline: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

/** Options of every command that runs the model: which backend, on how many threads. */
export const ENGINE_OPTIONS = {
  backend: { type: 'string' },
  threads: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** Options shared by every command that builds a model. */
export const MODEL_OPTIONS = {
  ...WEIGHTS_OPTIONS,
  ...ENGINE_OPTIONS,
  'include-top': { type: 'boolean', default: false },
  pooling: { type: 'string' },
  size: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const satisfies ParseArgsConfig['options'];

/**
 * Runs a `parseArgs` call, turning its errors into usage errors that point at --help; given the
 * command's option names, an unknown option gets "did you mean" (`--layers` → `--layer`).
 */
export function usageErrors<T>(command: string, parse: () => T, known: readonly string[] = []): T {
  try {
    return parse();
  } catch (e) {
    const message = (e as Error).message.replace(/\. To specify.*$/s, '');
    const unknown = /^Unknown option '--([^'=]+)'/.exec(message)?.[1];
    const guess = unknown ? closestOption(unknown, known) : undefined;
    throw new VggError(
      'E_USAGE',
      `${command}: ${message}${guess ? `; did you mean '--${guess}'?` : ''}; see '${RUN} ${command} --help'`,
    );
  }
}

/** A prefix or plural (`--layers`, `--colour`) first, then the nearest by edit distance. */
function closestOption(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  return (
    known.find((k) => lower === `${k}s` || lower === `${k}es` || `${lower}s` === k) ??
    known.find((k) => k.startsWith(lower) && lower.length >= 3) ??
    closestName(lower, known)
  );
}

/**
 * `parseArgs` (strict) with usage errors pointing at --help, and one more rule: an option that
 * takes one value may be given once. Node's parser keeps the last of `--layer a --layer b` silently;
 * here that is a usage error naming both values (options marked `multiple` accept several).
 */
export function parseCommandArgs<O extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: string[],
  options: O,
): {
  values: ReturnType<typeof parseArgs<{ args: string[]; strict: true; options: O; tokens: true }>>['values'];
  positionals: string[];
} {
  const parsed = usageErrors(
    command,
    () => parseArgs({ args: argv, strict: true, options, tokens: true }),
    Object.keys(options),
  );
  const given = new Map<string, string[]>();
  for (const t of parsed.tokens) {
    if (t.kind !== 'option') continue;
    const spec = options[t.name];
    if (!spec || spec.multiple) continue;
    given.set(t.name, [...(given.get(t.name) ?? []), t.value ?? 'true']);
  }
  for (const [name, values] of given) {
    if (values.length > 1 && options[name]!.type === 'string') {
      throw new VggError(
        'E_USAGE',
        `${command}: --${name} takes one value, but was given ${values.length} times (${values.map((v) => `'${v}'`).join(', ')}); see '${RUN} ${command} --help'`,
      );
    }
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

export function parseModel(value: string | undefined): string {
  const model = (value ?? 'vgg16').toLowerCase();
  // tiny-vgg16/19: VGG's structure at 4–16 channels, for tests and demos with synthetic weights (not advertised).
  if (!(MODEL_NAMES as string[]).includes(model) && !(TEST_MODEL_NAMES as readonly string[]).includes(model)) {
    const guess = closestName(model, MODEL_NAMES);
    throw new VggError(
      'E_UNKNOWN_MODEL',
      `unknown model '${value}'${guess ? `; did you mean '${guess}'?` : ''} (models: ${MODEL_NAMES.join(', ')})`,
      { hint: `pass --model ${guess ?? MODEL_NAMES[0]}` },
    );
  }
  return model;
}

export function parsePooling(value: string | undefined): Pooling | null {
  if (value === undefined) return null;
  if (value !== 'avg' && value !== 'max') throw cliErrors.badValue('--pooling', "'avg' or 'max'", value);
  return value;
}

/**
 * `224x224`, `300X200` (height × width) or a single `256` for a square. Only the form is checked
 * here; whether the model can run at that size (memory) is `checkInputFits`'s job.
 */
export function parseSize(value: string | undefined): [number, number] | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{1,9})(?:[x×X](\d{1,9}))?$/.exec(value.trim());
  if (!m) throw cliErrors.badValue('--size', 'HxW (e.g. 224x224 or 300x451)', value);
  return [Number(m[1]), Number(m[2] ?? m[1])];
}

/** `ROWSxCOLS`, each side 1…max. */
export function parseGrid(flag: string, value: string, max: number): [number, number] {
  const m = /^(\d{1,6})[x×X](\d{1,6})$/.exec(value.trim());
  const dims = m ? [Number(m[1]), Number(m[2])] : [];
  if (!m || dims.some((d) => d < 1 || d > max))
    throw cliErrors.badValue(flag, `ROWSxCOLS with each side from 1 to ${max} (e.g. 8x8)`, value);
  return dims as [number, number];
}

/** Collects a repeatable string option into an array. */
export function many(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** `--backend` and `--threads`, checked; `threads` undefined means the engine's default. */
export function parseEngine(values: { backend?: string; threads?: string }): { backend?: string; threads?: number } {
  if (values.backend !== undefined && !(BACKEND_NAMES as readonly string[]).includes(values.backend)) {
    throw cliErrors.badValue('--backend', `one of ${BACKEND_NAMES.join(', ')}`, values.backend);
  }
  const threads =
    values.threads === undefined
      ? undefined
      : cliErrors.wholeNumber('--threads', values.threads, 1, Math.max(64, availableParallelism()));
  return { backend: values.backend, threads };
}

/** Help lines for --backend/--threads, shared by every command that runs the model. */
export const ENGINE_HELP = `  --backend    ${BACKEND_NAMES.join(' | ')} (default ${DEFAULT_BACKEND})
  --threads    threads one image may use (default: all cores; folder mode: the cores ÷ --workers)`;

/**
 * `--colormap`: one set of names for every command — pass viz's COLORMAP_NAMES (gray, viridis, jet;
 * taken as an argument so that this module does not load the renderer); `grey` is `gray`.
 */
export function parseColormap<N extends string>(value: string | undefined, names: readonly N[]): N {
  const name = (value ?? '').toLowerCase().replace(/^grey$/, 'gray');
  if (!(names as readonly string[]).includes(name))
    throw cliErrors.badValue('--colormap', `one of ${names.join(', ')}`, value);
  return name as N;
}

/**
 * Folder mode's and the queue worker's threads per worker when `--threads` is not given: the cores
 * shared by the workers asked for, so by default one worker on every core. One worker holds one copy
 * of the weights (VGG16: 364 MB against 602 MB for two single-thread workers) at the same img/s
 * (BENCHMARKS.md, "Folder mode").
 */
export function threadsPerWorker(workers: number | undefined, cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / (workers ?? 1)));
}
