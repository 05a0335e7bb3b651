import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where `npm run build:web` puts the page (packages/web/dist-app), the same from src/ and dist/. */
export const APP_DIR = fileURLToPath(new URL('../dist-app/', import.meta.url));

/** The built page's folder; built first (esbuild, ~1 s) when missing and the sources are here. */
export async function ensureApp(dir = APP_DIR): Promise<string> {
  if (existsSync(`${dir}/index.html`)) return dir;
  const { buildWeb } = await import('./build-web.js');
  await buildWeb(dir);
  return dir;
}
