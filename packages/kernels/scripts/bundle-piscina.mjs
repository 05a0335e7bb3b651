#!/usr/bin/env node
// `npm pack` of @vggscope/kernels (prepack; postpack with --remove). piscina is a bundled dependency of
// the published package: its optional native addon (@napi-rs/nice, used only for `niceIncrement`,
// which the pool never sets) is then not installed, so a default install holds no native code.
// npm packs bundled dependencies from the package's own node_modules, and workspaces hoist piscina to
// the root, so this copies the files piscina ships at run time (dist, package.json, LICENSE) into
// packages/kernels/node_modules/piscina for the pack, and removes them after it.
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(pkg, 'node_modules', 'piscina');
rmSync(target, { recursive: true, force: true });
if (process.argv.includes('--remove')) process.exit(0);

// piscina's exports hide its package.json: find the folder from its main entry (…/piscina/dist/main.js).
let source = dirname(createRequire(join(pkg, 'package.json')).resolve('piscina'));
while (!existsSync(join(source, 'package.json'))) source = dirname(source);
mkdirSync(target, { recursive: true });
for (const entry of ['package.json', 'LICENSE', 'README.md', 'dist'])
  cpSync(join(source, entry), join(target, entry), { recursive: true });
