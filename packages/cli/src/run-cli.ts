import { VggError } from '@vggscope/core';
import { extractCommand } from './commands/extract.js';
import { filtersCommand } from './commands/filters.js';
import { mapsCommand } from './commands/maps.js';
import { predictCommand } from './commands/predict.js';
import { summaryCommand } from './commands/summary.js';
import { weightsCommand } from './commands/weights.js';
import type { CommandContext } from './context.js';

type Command = (argv: string[], ctx: CommandContext) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  extract: { run: extractCommand, summary: 'features of any layer(s) → .npy files' },
  predict: { run: predictCommand, summary: 'ImageNet top-k classes (decode_predictions)' },
  weights: { run: weightsCommand, summary: 'list, fetch, convert, verify weight files' },
  filters: { run: filtersCommand, summary: 'filter summary + filter grid PNG' },
  maps: { run: mapsCommand, summary: 'feature-map grid PNGs (a layer, several, or --blocks)' },
  summary: { run: summaryCommand, summary: 'model.summary() with feature-map sizes' },
};

export const MAIN_HELP = () => `vggscope — VGG16/VGG19 features, filters and feature maps on the CPU, in TypeScript

Usage: npx nx run cli:<command> -- [options]     (or: npm run vgg -- <command> [options])

Commands:
${Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`).join('\n')}

Run a command with --help for its options and examples.
Exit codes: 0 ok, 1 internal error, 2 usage error, 3 input (image) error, 4 weights error, 5 partial (some items failed),
130 interrupted.
`;

/** Dispatches `argv` (command first) and returns the exit status; VggErrors propagate to main. */
export async function runCli(argv: string[], ctx: CommandContext): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout.write(MAIN_HELP());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) throw new VggError('E_USAGE', `unknown command '${name}'; commands: ${Object.keys(COMMANDS).join(', ')}`);
  return command.run(rest, ctx);
}
