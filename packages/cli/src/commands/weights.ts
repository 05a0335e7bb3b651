import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cliErrors } from '../errors.js';
import {
  cacheDirs,
  convertToPacked,
  detectVariant,
  hashFile,
  kerasCacheDir,
  loadManifest,
  packedName,
  PACKED_EXT,
  isPackedFile,
  verifyPacked,
  loadWeights,
  officialByMd5,
  readPackedHeader,
  type ManifestFile,
} from '@vggscope/weights';
import { MODEL_NAMES, VggError, buildGraph, isVggError } from '@vggscope/core';
import type { CommandContext } from '../context.js';
import { parseModel, usageErrors } from '../options.js';
import { resolveWeightsPath } from '../resolve-weights.js';
import { formatBytes, formatTable } from '../table.js';
import { exitCodesHelp, RUN } from '../help.js';

export const WEIGHTS_HELP = `vggscope weights — list, fetch, convert and verify weight files

Usage:
  ${RUN} weights list [--json]
  ${RUN} weights fetch [--model vgg16|vgg19] [--top] [--offline]
  ${RUN} weights convert --from PATH [--to PATH] [--model vgg16|vgg19] [--top] [--dtype f32|f16]
  ${RUN} weights verify [PATH]

  list     what is cached where ($VGGSCOPE_WEIGHTS, weights/ in a checkout, $VGGSCOPE_HOME or
           ~/.cache/vggscope, the Keras cache), sizes, verified or not, official or not
  fetch    resolve the official ImageNet weights (cache → Keras cache → download) and pack them
  convert  any source (Keras .h5, tfjs folder, packed) → packed .vggw; f16 halves the size. The official
           file (md5 in the manifest) goes to the cache, where commands find it without --weights;
           anything else goes beside its source (or to --to) and is used only when named with --weights
  verify   md5 of official .h5 files against the manifest, sha256 of every packed tensor

Examples:
  ${RUN} weights fetch --model vgg19 --top
  ${RUN} weights convert --from ~/.keras/models/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5
  ${RUN} weights convert --from vgg16_notop.h5 --to /tmp/vgg16.f16.vggw --dtype f16
  ${RUN} weights verify ~/.cache/vggscope/vgg16-notop.vggw

${exitCodesHelp(['weights'], { weights: 'weights error (including a failed verification)' })}
`;

export async function weightsCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = usageErrors('weights', () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        model: { type: 'string' },
        top: { type: 'boolean', default: false },
        from: { type: 'string' },
        to: { type: 'string' },
        dtype: { type: 'string', default: 'f32' },
        offline: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  const [action, target] = positionals;
  if (values.help || !action) {
    ctx.stdout.write(WEIGHTS_HELP);
    return values.help ? 0 : 2;
  }
  switch (action) {
    case 'list':
      return list(ctx, values.json ?? false);
    case 'fetch': {
      const model = parseModel(values.model);
      const path = await resolveWeightsPath({ model, includeTop: values.top ?? false, offline: values.offline }, ctx);
      ctx.stdout.write(`${model}${values.top ? ' (with top)' : ''} weights ready: ${path}\n`);
      return 0;
    }
    case 'convert':
      return convert(ctx, values);
    case 'verify':
      return verify(ctx, target, values.json ?? false);
    default:
      throw new VggError('E_USAGE', `weights: unknown action '${action}'; use list, fetch, convert or verify`);
  }
}

async function convert(
  ctx: CommandContext,
  v: { from?: string; to?: string; model?: string; top?: boolean; dtype?: string },
): Promise<number> {
  if (!v.from)
    throw new VggError(
      'E_USAGE',
      'weights convert: --from PATH is required (a Keras .h5, a tfjs folder or a packed file)',
    );
  if (v.dtype !== 'f32' && v.dtype !== 'f16')
    throw cliErrors.badValue('weights convert: --dtype', 'f32 or f16', v.dtype);
  const detected = await detectVariant(v.from);
  const model = v.model ? parseModel(v.model) : detected.model;
  const includeTop = v.top || detected.includeTop;
  const official = await officialSource(v.from);
  const fromOfficial = official?.model === model && official.includeTop === includeTop ? official : undefined;
  const to = v.to ?? defaultConvertTarget(v.from, { model, includeTop, dtype: v.dtype, official: !!fromOfficial });
  if (!fromOfficial && officialSlots().includes(resolve(to)))
    throw new VggError(
      'E_USAGE',
      `weights convert: '${to}' is where the official ${basename(to, PACKED_EXT)} weights are cached, and '${v.from}' ` +
        `is not the official file (its md5 matches no manifest entry); choose another --to`,
    );
  const t0 = performance.now();
  const header = await convertToPacked(v.from, to, { model, includeTop, dtype: v.dtype, sourceMd5: fromOfficial?.md5 });
  const size = (await stat(to)).size;
  ctx.stdout.write(
    `converted ${v.from} → ${to}\n${model}${includeTop ? ' with top' : ''}, ${header.tensors.length} tensors, ${v.dtype}, ` +
      `${formatBytes(size)} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n` +
      (fromOfficial
        ? `official: converted from ${fromOfficial.name} (md5 ${fromOfficial.md5} verified)\n`
        : `not official: the source matches no official file; commands use it only with --weights ${to}\n`),
  );
  return 0;
}

/**
 * The official file a conversion source is: an `.h5` by its md5, a packed file by the source md5
 * its header records (set only when it was converted from a verified official file).
 */
async function officialSource(from: string): Promise<ManifestFile | undefined> {
  if (await isPackedFile(from).catch(() => false)) {
    const header = await readPackedHeader(from).catch(() => undefined);
    return officialByMd5(header?.source.md5);
  }
  const info = await stat(from).catch(() => undefined);
  return info?.isFile() ? officialByMd5(await hashFile(from)) : undefined;
}

/** Every path the resolver trusts without --weights: `<cache>/<model>-<top|notop>.vggw`. */
function officialSlots(): string[] {
  return cacheDirs().flatMap((d) =>
    MODEL_NAMES.flatMap((m) => [true, false].map((top) => resolve(d, packedName(m, top)))),
  );
}

/**
 * Without --to, only a conversion of the official file lands in the cache the resolver reads;
 * anything else (synthetic, fine-tuned) goes beside its source, so it is used only when named.
 */
function defaultConvertTarget(
  from: string,
  o: { model: string; includeTop: boolean; dtype: 'f32' | 'f16'; official: boolean },
): string {
  const suffix = o.dtype === 'f16' ? `.f16${PACKED_EXT}` : PACKED_EXT;
  if (o.official) return join(cacheDirs()[0]!, packedName(o.model, o.includeTop).replace(PACKED_EXT, suffix));
  const abs = resolve(from).replace(/[\\/]+$/, '');
  const stem = basename(abs)
    .replace(/\.(h5|hdf5|keras|vggw)$/i, '')
    .replace(/\.f16$/, '');
  const to = join(dirname(abs), `${stem}${suffix}`);
  if (to === abs)
    throw new VggError('E_USAGE', `weights convert: '${from}' would be overwritten by itself; give --to PATH`);
  return to;
}

interface Entry {
  place: string;
  file: string;
  kind: 'packed' | 'h5';
  model: string;
  bytes: number;
  verified: string;
  /** 'official' (the manifest's file, or converted from it), 'NOT OFFICIAL' (synthetic, fine-tuned…), or '?' */
  origin: string;
}

async function scan(): Promise<Entry[]> {
  const manifest = loadManifest();
  const places = [...cacheDirs().map((d) => [d, d] as const), [kerasCacheDir(), 'keras cache'] as const];
  const out: Entry[] = [];
  for (const [dir, label] of places) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.sort()) {
      const path = join(dir, name);
      const official = manifest.find((f) => f.name === name);
      if (name.endsWith(PACKED_EXT)) {
        out.push({
          place: label,
          file: path,
          kind: 'packed',
          bytes: (await stat(path)).size,
          ...(await describePacked(path)),
        });
      } else if (official) {
        const md5 = await md5Of(path);
        const verified = md5.startsWith('UNREADABLE') ? md5 : md5 === official.md5 ? 'md5 ok' : 'MD5 MISMATCH';
        out.push({
          origin: md5 === official.md5 ? 'official' : 'NOT OFFICIAL',
          place: label,
          file: path,
          kind: 'h5',
          model: `${official.model}${official.includeTop ? ' top' : ''}`,
          bytes: (await stat(path)).size,
          verified,
        });
      }
    }
  }
  return out;
}

/**
 * A corrupt cache must never stop `list` or `verify`: every failure to read a file becomes its
 * row's verdict (UNREADABLE plus why), and only `verify` turns bad rows into exit status 4.
 */
async function describePacked(path: string): Promise<{ model: string; verified: string; origin: string }> {
  try {
    const { header, bad } = await verifyPacked(path);
    const official = officialByMd5(header.source.md5);
    return {
      model: `${header.model}${header.includeTop ? ' top' : ''} ${header.dtype}`,
      verified: bad.length ? `${bad.length} BAD TENSORS` : 'sha256 ok',
      origin:
        official?.model === header.model && official.includeTop === header.includeTop ? 'official' : 'NOT OFFICIAL',
    };
  } catch (e) {
    return { model: '?', verified: unreadable(e), origin: '?' };
  }
}

async function md5Of(path: string): Promise<string> {
  return hashFile(path).catch((e: unknown) => unreadable(e));
}

function unreadable(e: unknown): string {
  const code = e instanceof VggError ? e.code : ((e as NodeJS.ErrnoException).code ?? 'error');
  const message = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.replace(/^'[^']*':\s*/, '');
  return `UNREADABLE (${code}): ${message}`;
}

async function list(ctx: CommandContext, json: boolean): Promise<number> {
  const entries = await scan();
  if (json) {
    ctx.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return 0;
  }
  ctx.stdout.write(`Weights found (looked in: ${cacheDirs().join(', ')}, ${kerasCacheDir()}):\n`);
  ctx.stdout.write(
    entries.length
      ? `${formatTable(
          ['place', 'file', 'kind', 'model', 'size', 'verified', 'origin'],
          entries.map((e) => [e.place, basename(e.file), e.kind, e.model, formatBytes(e.bytes), e.verified, e.origin]),
        )}\n`
      : `  none yet: '${RUN} weights fetch' downloads the official ones\n`,
  );
  return 0;
}

async function verify(ctx: CommandContext, target: string | undefined, json: boolean): Promise<number> {
  const entries = target ? [await verifyOne(target)] : await scan();
  if (json) ctx.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
  else
    ctx.stdout.write(
      `${formatTable(
        ['file', 'kind', 'model', 'verified', 'origin'],
        entries.map((e) => [e.file, e.kind, e.model, e.verified, e.origin]),
      )}\n`,
    );
  const bad = entries.filter((e) => !/ok$/.test(e.verified));
  if (bad.length)
    throw new VggError(
      'E_WEIGHTS_CHECKSUM',
      `${bad.length} file(s) failed verification: ${bad.map((e) => e.file).join(', ')}; delete them and fetch or convert again`,
    );
  return 0;
}

async function verifyOne(path: string): Promise<Entry> {
  const info = await stat(path).catch(() => {
    throw new VggError('E_WEIGHTS_NOT_FOUND', `weights verify: '${path}' not found`);
  });
  if (!info.isFile())
    throw new VggError('E_USAGE', `weights verify: '${path}' is not a file; give a .vggw or an official .h5 file`);
  const bytes = info.size;
  if (path.endsWith(PACKED_EXT) || (await isPackedFile(path))) {
    return { place: '', file: path, kind: 'packed', bytes, ...(await describePacked(path)) };
  }
  const official = loadManifest().find((f) => f.name === basename(path));
  const md5 = await md5Of(path);
  if (md5.startsWith('UNREADABLE'))
    return { place: '', file: path, kind: 'h5', model: official?.model ?? '?', bytes, verified: md5, origin: '?' };
  if (!official) return verifyUnofficial(path, bytes, md5);
  return {
    place: '',
    file: path,
    kind: 'h5',
    model: official.model,
    bytes,
    verified: md5 === official.md5 ? 'md5 ok' : `MD5 MISMATCH (${md5}, expected ${official.md5})`,
    origin: md5 === official.md5 ? 'official' : 'NOT OFFICIAL',
  };
}

/**
 * An `.h5` that is not one of the four official files by name: the official file renamed (by its
 * md5), or someone's own weights — then say so plainly and check what can be checked: that it reads,
 * which VGG it holds, and that every tensor has that model's shape.
 */
async function verifyUnofficial(path: string, bytes: number, md5: string): Promise<Entry> {
  const renamed = loadManifest().find((f) => f.md5 === md5);
  const entry = { place: '', file: path, kind: 'h5' as const, bytes };
  if (renamed)
    return {
      ...entry,
      model: `${renamed.model}${renamed.includeTop ? ' top' : ''}`,
      verified: `md5 ok (the official ${renamed.name}, renamed)`,
      origin: 'official',
    };
  try {
    const v = await detectVariant(path);
    const graph = buildGraph(v.model, { includeTop: v.includeTop });
    const w = await loadWeights(path, graph);
    const model = `${v.model}${v.includeTop ? ' top' : ''}`;
    return {
      ...entry,
      model,
      verified: `not an official file (md5 ${md5} matches none); readable, ${w.layers.size} layers with ${model}'s shapes: ok`,
      origin: 'NOT OFFICIAL',
    };
  } catch (e) {
    const why = isVggError(e) ? `${e.code}: ${e.message}` : String(e);
    return {
      ...entry,
      model: '?',
      verified: `not an official file (md5 ${md5} matches none), and not usable: ${why}`,
      origin: 'NOT OFFICIAL',
    };
  }
}
