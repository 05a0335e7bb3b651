import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VggError, wrapError } from '@vggscope/core';

export interface ManifestFile {
  readonly name: string;
  readonly model: string;
  readonly includeTop: boolean;
  readonly md5: string;
  readonly bytes: number;
  readonly urls: readonly string[];
}

/**
 * The table of official files ships inside this package (`data/manifest.json`), so an installed
 * CLI finds it the same as a checkout does: the path is the same relative to `src/` and `dist/`.
 */
export const BUNDLED_MANIFEST = fileURLToPath(new URL('../data/manifest.json', import.meta.url));

/**
 * The repository's `weights/` folder when this module runs from a checkout (the workspace root,
 * three levels up, is the `vggscope` package); `undefined` in an installed package, where three
 * levels up is `node_modules/` and must never be used as a cache.
 */
export const REPO_WEIGHTS_DIR: string | undefined = findRepoWeightsDir();

function findRepoWeightsDir(): string | undefined {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  try {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name?: string; workspaces?: unknown };
    return pkg.name === 'vggscope' && Array.isArray(pkg.workspaces) ? join(root, 'weights') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The per-user weights cache: `$VGGSCOPE_HOME`, else `$XDG_CACHE_HOME/vggscope`, else
 * `~/.cache/vggscope`. Where an installed CLI downloads and packs the official files.
 */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VGGSCOPE_HOME) return env.VGGSCOPE_HOME;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'vggscope');
}

/** The manifest in use: `$VGGSCOPE_MANIFEST` if set (a mirror, or a test server), else the bundled one. */
export function manifestPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.VGGSCOPE_MANIFEST || BUNDLED_MANIFEST;
}

/** The table of official weight files (see {@link manifestPath}). */
export function loadManifest(env: NodeJS.ProcessEnv = process.env): ManifestFile[] {
  const path = manifestPath(env);
  if (!existsSync(path)) {
    throw new VggError(
      'E_WEIGHTS_NOT_FOUND',
      `weights manifest '${path}' not found; unset VGGSCOPE_MANIFEST to use the built-in one, or point it at a manifest.json`,
    );
  }
  try {
    const json = JSON.parse(readFileSync(path, 'utf8')) as { files?: ManifestFile[] };
    if (!Array.isArray(json.files)) throw new Error('no "files" array');
    return json.files;
  } catch (e) {
    throw wrapError('E_WEIGHTS_FORMAT', `weights manifest '${path}' is not valid`, e);
  }
}

export function manifestEntry(files: readonly ManifestFile[], model: string, includeTop: boolean): ManifestFile {
  const entry = files.find((f) => f.model === model && f.includeTop === includeTop);
  if (!entry) {
    throw new VggError(
      'E_WEIGHTS_NOT_FOUND',
      `the weights manifest has no ${model} ${includeTop ? 'with-top' : 'no-top'} entry`,
    );
  }
  return entry;
}

/** The official file an md5 belongs to, if any (never throws: a broken manifest means "none"). */
export function officialByMd5(md5: string | undefined, env: NodeJS.ProcessEnv = process.env): ManifestFile | undefined {
  if (!md5) return undefined;
  try {
    return loadManifest(env).find((f) => f.md5 === md5);
  } catch {
    return undefined;
  }
}
