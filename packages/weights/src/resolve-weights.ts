import { existsSync } from 'node:fs';
import { readdir, rm, rename } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { VggError } from '@vggscope/core';
import { convertToPacked } from './convert.js';
import { DownloadError, type DownloadOptions, downloadVerified } from './download.js';
import { type ManifestFile, REPO_WEIGHTS_DIR, loadManifest, manifestEntry, userCacheDir } from './manifest.js';
import { hashFile } from './md5-file.js';
import { packedName, verifyPackedOnce } from './packed.js';
import { dropStamp } from './packed-stamp.js';

export type WeightsOrigin = 'explicit' | 'cache' | 'keras-cache' | 'download';

export interface ResolveWeightsOptions {
  model: string;
  includeTop: boolean;
  /** An explicit path wins: used as given, shapes validated, no checksum. */
  path?: string;
  /** Forbid downloading (also `VGGSCOPE_OFFLINE=1`). */
  offline?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Progress of a download, for a progress bar. */
  onProgress?: (done: number, total: number | undefined) => void;
  /** One-line notes: "downloading …", "converting …", "ignoring corrupt …". */
  onStatus?: (message: string) => void;
  /** Test hooks: timeouts and retry pacing of the downloader. */
  download?: Pick<DownloadOptions, 'idleTimeoutMs' | 'attempts' | 'backoffMs'>;
}

export interface ResolvedWeights {
  path: string;
  origin: WeightsOrigin;
}

/**
 * Folders searched for cached weights, in order: `$VGGSCOPE_WEIGHTS`, the repository's `weights/`
 * (in a checkout only), then the user cache (`$VGGSCOPE_HOME` or `~/.cache/vggscope`). The first
 * is where downloads and conversions go.
 */
export function cacheDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  return [...new Set([env.VGGSCOPE_WEIGHTS, REPO_WEIGHTS_DIR, userCacheDir(env)].filter((d): d is string => !!d))];
}

/** Where Keras keeps downloaded weights: `$KERAS_HOME/models`, else `~/.keras/models`. */
export function kerasCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.KERAS_HOME || join(homedir(), '.keras'), 'models');
}

/**
 * Finds weights for a model, in the documented order:
 * 1. the explicit path; 2. `$VGGSCOPE_WEIGHTS`, then `weights/` — packed files first, then the
 * official `.h5` (md5-checked, converted to packed once); 3. the Keras cache, md5-checked as Keras
 * does; 4. a download (resumable, md5-verified, atomic), converted to packed. Offline with nothing
 * found: one error naming every place looked at and how to fix it.
 */
export async function resolveWeights(o: ResolveWeightsOptions): Promise<ResolvedWeights> {
  if (o.path) return { path: o.path, origin: 'explicit' };
  const env = o.env ?? process.env;
  const status = o.onStatus ?? (() => {});
  const manifest = loadManifest(env);
  const entry = manifestEntry(manifest, o.model, o.includeTop);
  const cache = cacheDirs(env)[0]!;
  const packedTarget = join(cache, packedName(o.model, o.includeTop));
  const looked: string[] = [];

  for (const dir of cacheDirs(env)) {
    // A with-top packed file also serves the no-top model (it holds every conv layer).
    const names = [packedName(o.model, o.includeTop), ...(o.includeTop ? [] : [packedName(o.model, true)])];
    for (const name of names) {
      const p = join(dir, name);
      looked.push(p);
      const slot = { model: o.model, includeTop: name === packedName(o.model, true) };
      if (existsSync(p) && (await packedIsSound(p, slot, manifest, status))) return { path: p, origin: 'cache' };
    }
    const h5 = join(dir, entry.name);
    looked.push(h5);
    if (existsSync(h5)) {
      if (await md5Matches(h5, entry, status))
        return { path: await toPacked(h5, packedTarget, o, entry, status), origin: 'cache' };
      await rm(h5, { force: true }); // ours, and corrupt: never trust it again
    }
  }

  const keras = join(kerasCacheDir(env), entry.name);
  looked.push(keras);
  if (existsSync(keras) && (await md5Matches(keras, entry, status))) {
    return { path: await toPacked(keras, packedTarget, o, entry, status), origin: 'keras-cache' };
  }

  const synthetic = await syntheticHint(o.model, o.includeTop);
  if (o.offline || env.VGGSCOPE_OFFLINE === '1') throw offlineError(o, entry, looked, cache, synthetic);
  const dest = join(cache, entry.name);
  status(
    `downloading ${entry.name} (${(entry.bytes / 2 ** 20).toFixed(1)} MiB) from ${new URL(entry.urls[0]!).host} to ${cache}`,
  );
  try {
    await downloadVerified({
      urls: entry.urls,
      dest,
      md5: entry.md5,
      bytes: entry.bytes,
      onProgress: o.onProgress,
      onWait: status,
      ...o.download,
    });
  } catch (e) {
    if (!(e instanceof DownloadError)) throw e;
    throw new VggError(
      'E_DOWNLOAD',
      `${DownloadError.summary(e.file, e.failures)}\n${whereAndHow(o, entry, looked, cache, synthetic)}`,
      { cause: e },
    );
  }
  return { path: await toPacked(dest, packedTarget, o, entry, status), origin: 'download' };
}

async function md5Matches(path: string, entry: ManifestFile, status: (m: string) => void): Promise<boolean> {
  const md5 = await hashFile(path, 'md5');
  if (md5 === entry.md5) return true;
  status(`ignoring ${path}: md5 ${md5} is not the official ${entry.md5} (corrupt or another file)`);
  return false;
}

/**
 * A cached packed file is used only if its header is valid, it is the model its name says, it was
 * converted from the official file (its header records the source's md5), and every tensor passes
 * its checksum (checked once, then recorded: packed-stamp.ts). A sound file from another source
 * (synthetic, fine-tuned) is skipped and left alone: an official slot never serves other weights.
 * Otherwise it is ours and corrupt: said so, deleted, and re-derived from the .h5 like Keras
 * re-fetches a bad file.
 */
async function packedIsSound(
  path: string,
  slot: { model: string; includeTop: boolean },
  manifest: readonly ManifestFile[],
  status: (m: string) => void,
): Promise<boolean> {
  const { model, includeTop } = slot;
  let problem: string;
  try {
    const { header, bad } = await verifyPackedOnce(path);
    if (bad.length === 0 && header.model === model && header.includeTop === includeTop) {
      const official = manifest.some(
        (f) => f.md5 === header.source?.md5 && f.model === model && f.includeTop === includeTop,
      );
      if (official) return true;
      const aside = path.replace(/\.vggw$/, '.not-official.vggw');
      await rename(path, aside);
      dropStamp(path);
      status(
        `moved ${path} to ${aside}: it was not converted from the official ${model} file (source ` +
          `${header.source.file}, md5 ${header.source.md5 ?? 'none'}); use it with --weights ${aside}`,
      );
      return false;
    }
    problem = bad.length
      ? `${bad.length} tensor(s) fail their checksum (${bad.slice(0, 3).join(', ')}${bad.length > 3 ? ', …' : ''})`
      : `it holds ${header.model}${header.includeTop ? ' with top' : ''}, not what its name says`;
  } catch (e) {
    problem = e instanceof Error ? e.message : String(e);
  }
  status(`ignoring corrupt cached ${path}: ${problem}; deleting it and deriving it again`);
  await rm(path, { force: true });
  dropStamp(path);
  return false;
}

async function toPacked(
  h5: string,
  dest: string,
  o: ResolveWeightsOptions,
  entry: ManifestFile,
  status: (m: string) => void,
): Promise<string> {
  status(`converting ${h5} to the packed format: ${dest}`);
  await convertToPacked(h5, dest, { model: o.model, includeTop: o.includeTop, sourceMd5: entry.md5 });
  // Checked once as written and recorded, so that every later load skips the per-tensor CRC.
  const { bad } = await verifyPackedOnce(dest);
  if (bad.length)
    throw new VggError(
      'E_WEIGHTS_CHECKSUM',
      `'${dest}' was corrupt right after conversion (${bad.join(', ')}); check the disk and run again`,
    );
  return dest;
}

function offlineError(
  o: ResolveWeightsOptions,
  entry: ManifestFile,
  looked: string[],
  cache: string,
  synthetic: string,
): VggError {
  return new VggError(
    'E_WEIGHTS_NOT_FOUND',
    `no ${o.model}${o.includeTop ? ' (with top)' : ''} weights found, and downloading is off (--offline or VGGSCOPE_OFFLINE=1).\n` +
      whereAndHow(o, entry, looked, cache, synthetic),
  );
}

/**
 * A newcomer in a checkout without internet has usually generated the synthetic weights (the
 * README's first line): point at them, relative to the working directory when it holds them.
 */
export async function syntheticHint(
  model: string,
  includeTop: boolean,
  dir = REPO_WEIGHTS_DIR && join(REPO_WEIGHTS_DIR, 'synthetic'),
): Promise<string> {
  if (!dir) return '';
  const names = (await readdir(dir).catch(() => [] as string[])).filter(
    (n) => n.startsWith(`${model}_`) && (includeTop ? !n.includes('notop') : true),
  );
  const best = names.find((n) => n.includes(includeTop ? 'top' : 'notop')) ?? names[0];
  if (!best) return '';
  const abs = join(dir, best);
  const rel = relative(process.cwd(), abs);
  const shown = rel.startsWith('..') || rel.startsWith(sep) ? abs : rel;
  return `  pass --weights ${shown} (synthetic, for trying the tool)\n`;
}

function whereAndHow(
  o: ResolveWeightsOptions,
  entry: ManifestFile,
  looked: string[],
  cache: string,
  synthetic = '',
): string {
  const top = o.includeTop ? ' --top' : '';
  return (
    `Looked at:\n${looked.map((p) => `  ${p}`).join('\n')}\n` +
    `Fix it with one of:\n` +
    synthetic +
    `  npx vggscope weights fetch --model ${o.model}${top}        # online: download, verify and cache\n` +
    `  curl -L -o ${join(cache, entry.name)} ${entry.urls[0]}   # on any machine, then copy here\n` +
    `  --weights /path/to/${entry.name}                       # use a file you already have\n` +
    `  cp ~/.keras/models/${entry.name} ${cache}/               # from a machine with Keras`
  );
}
