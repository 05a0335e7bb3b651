#!/usr/bin/env node
// The CLI as the workspace's task runners start it (`npx nx run cli:<command> -- …`, `npm run vgg -- …`):
// they run commands from the workspace root, so relative paths would resolve from there. npm and
// npx record the caller's folder in INIT_CWD; go back to it, so `--image cat.jpg` means the file
// the caller sees. (Exit statuses: Nx reports 1 for any failure; `npx vggscope` keeps ours.)
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
// The build steps of `npm run vgg` write to stderr, so stdout holds only what the CLI prints —
// except npm's own "> vggscope vgg" banner, which only `npm run -s` turns off: say so once.
if (
  process.env.npm_lifecycle_event === 'vgg' &&
  process.env.npm_config_loglevel !== 'silent' &&
  process.argv.includes('--json')
)
  process.stderr.write(
    "note: npm printed its banner on stdout before the JSON; use 'npm run -s vgg -- …' (or npx vggscope)\n",
  );
await import('./vggscope.js');
