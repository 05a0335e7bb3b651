import { closestName, VggError } from '@vggscope/core';
import type { CommandContext } from './context.js';

type Command = (argv: string[], ctx: CommandContext) => Promise<number>;

// Commands load on demand: start-up stays light, and folder extraction keeps tfjs out of the
// coordinating thread (only its workers load the engine).
const COMMANDS: Record<string, { load: () => Promise<Command>; summary: string }> = {
  extract: {
    load: async () => (await import('./commands/extract.js')).extractCommand,
    summary: 'features of any layer(s) → .npy files',
  },
  predict: {
    load: async () => (await import('./commands/predict.js')).predictCommand,
    summary: 'ImageNet top-k classes (decode_predictions)',
  },
  weights: {
    load: async () => (await import('./commands/weights.js')).weightsCommand,
    summary: 'list, fetch, convert, verify weight files',
  },
  filters: {
    load: async () => (await import('./commands/filters.js')).filtersCommand,
    summary: 'filter summary + filter grid PNG',
  },
  maps: {
    load: async () => (await import('./commands/maps.js')).mapsCommand,
    summary: 'feature-map grid PNGs (a layer, several, or --blocks)',
  },
  queue: {
    load: async () => (await import('./commands/queue.js')).queueCommand,
    summary: 'folder extraction over many machines on Redis (submit, worker, status)',
  },
  summary: {
    load: async () => (await import('./commands/summary.js')).summaryCommand,
    summary: 'model.summary() with feature-map sizes',
  },
  cam: {
    load: async () => (await import('./commands/cam.js')).camCommand,
    summary: 'class heatmaps (Grad-CAM, Score-CAM) over the image: PNG + .npy',
  },
  report: {
    load: async () => (await import('./commands/report.js')).reportCommand,
    summary: 'one self-contained HTML page: the whole tutorial for an image',
  },
  serve: {
    load: async () => (await import('./commands/serve.js')).serveCommand,
    summary: 'the explorer page: the engine in your browser, served on 127.0.0.1',
  },
};

export const MAIN_HELP = () => `vggscope — VGG16/VGG19 features, filters and feature maps on the CPU, in TypeScript

Usage: npx vggscope <command> [options]
       (in the repository also: npx nx run cli:<command> -- [options], npm run vgg -- <command> [options])

Commands:
${Object.entries(COMMANDS)
  .map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`)
  .join('\n')}

Run a command with --help for its options and examples.
Exit codes: 0 ok, 1 internal error, 2 usage error, 3 input (image) error, 4 weights error, 5 partial (some items failed),
6 output error (cannot write --out: read-only, full disk, not a folder), 7 queue (Redis unreachable or refused), 130 interrupted.
`;

/** Dispatches `argv` (command first) and returns the exit status; VggErrors propagate to main. */
export async function runCli(argv: string[], ctx: CommandContext): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout.write(MAIN_HELP());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    const guess = closestName(name, Object.keys(COMMANDS));
    throw new VggError(
      'E_USAGE',
      `unknown command '${name}'${guess ? `; did you mean '${guess}'?` : ''} (commands: ${Object.keys(COMMANDS).join(', ')}); see 'vggscope --help'`,
    );
  }
  return (await command.load())(rest, ctx);
}
