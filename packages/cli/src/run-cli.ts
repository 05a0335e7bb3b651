import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { closestName, VggError } from '@vggscope/core';
import { exitCodesTable, RUN } from './help.js';
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
  saliency: {
    load: async () => (await import('./commands/saliency.js')).saliencyCommand,
    summary: 'which pixels move the class score (vanilla, SmoothGrad, Integrated Gradients, guided): PNG + .npy',
  },
  maximize: {
    load: async () => (await import('./commands/maximize.js')).maximizeCommand,
    summary: 'the patterns a filter or class responds to (gradient ascent, the Keras book grid): PNG + .npy',
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

Usage: ${RUN} <command> [options]
       ${RUN} --version
       (in the repository, npx nx run cli:<command> -- [options] builds first and works too,
        but Nx reports every failure as exit 1 and prints its own lines on stdout)

Commands:
${Object.entries(COMMANDS)
  .map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`)
  .join('\n')}

Run a command with --help for its options and examples.

Exit codes:
${exitCodesTable()}
`;

/** `vggscope 0.1.0 (Node v20.20.0)`: the CLI package's version, read from its package.json. */
export function versionLine(): string {
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as {
    version: string;
  };
  return `vggscope ${pkg.version} (Node ${process.version})\n`;
}

/** Dispatches `argv` (command first) and returns the exit status; VggErrors propagate to main. */
export async function runCli(argv: string[], ctx: CommandContext): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout.write(MAIN_HELP());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    ctx.stdout.write(versionLine());
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    const guess = closestName(name, Object.keys(COMMANDS));
    throw new VggError(
      'E_USAGE',
      `unknown command '${name}'${guess ? `; did you mean '${guess}'?` : ''} (commands: ${Object.keys(COMMANDS).join(', ')}); see '${RUN} --help'`,
    );
  }
  return (await command.load())(rest, ctx);
}
