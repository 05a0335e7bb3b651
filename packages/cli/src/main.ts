#!/usr/bin/env node
import { EXIT_CODES, isVggError } from '@vggscope/core';
import { runCli } from './run-cli.js';

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).catch(
  (e: unknown) => {
    if (isVggError(e)) {
      process.stderr.write(`error [${e.code}]: ${e.message}\n${e.hint ? `fix: ${e.hint}\n` : ''}`);
      return EXIT_CODES[e.category];
    }
    process.stderr.write(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT_CODES.runtime;
  },
);
process.exitCode = code;
