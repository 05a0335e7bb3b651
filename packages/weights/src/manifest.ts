import { existsSync, readFileSync } from 'node:fs';
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

/** The repo's `weights/` folder (the default cache), found relative to this module. */
export const REPO_WEIGHTS_DIR = fileURLToPath(new URL('../../../weights', import.meta.url));

/**
 * The table of official weight files: `$VGGSCOPE_MANIFEST` if set (a mirror, or a test server),
 * else the repo's `weights/manifest.json`.
 */
export function loadManifest(env: NodeJS.ProcessEnv = process.env): ManifestFile[] {
  const path = env.VGGSCOPE_MANIFEST || join(REPO_WEIGHTS_DIR, 'manifest.json');
  if (!existsSync(path)) {
    throw new VggError(
      'E_WEIGHTS_NOT_FOUND',
      `weights manifest '${path}' not found; set VGGSCOPE_MANIFEST to a manifest.json (see weights/README.md)`,
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
