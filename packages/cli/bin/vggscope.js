#!/usr/bin/env node
// The `vggscope` command (npx vggscope …, or after installing @vggscope/cli). It runs in the
// caller's working directory and exits with the CLI's own status (2 usage, 3 input, 4 weights, …).
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    `vggscope: the CLI is not built (${main.pathname} is missing); run 'npm run build' in the repository\n`,
  );
  process.exit(1);
}
await import(main.href);
