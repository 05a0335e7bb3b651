import { fileURLToPath } from 'node:url';

/** Where a command writes; tests pass buffers instead of the process streams. */
export interface CommandContext {
  stdout: { write(s: string): unknown };
  stderr: NodeJS.WriteStream;
}

/** The sample photo shipped with the CLI (CC0, see assets/README.md). */
export const DEFAULT_IMAGE = fileURLToPath(new URL('../assets/chelsea.png', import.meta.url));
