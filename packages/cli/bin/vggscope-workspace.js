#!/usr/bin/env node
// The CLI as the workspace's task runner starts it (`npx nx run cli:<command> -- …`):
// it runs commands from the workspace root, so relative paths would resolve from there. npm and
// npx record the caller's folder in INIT_CWD; go back to it, so `--image cat.jpg` means the file
// the caller sees. (Exit statuses: Nx reports 1 for any failure; `npx vggscope` keeps ours.)
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
await import('./vggscope.js');
