import { EXIT_CODES } from '@vggscope/core';

/** The one way every help text and hint spells a command (the README's form). */
export const RUN = 'npx vggscope';

export type ExitCategory = keyof typeof EXIT_CODES;

/** What each exit status means, worded once; a command may say more about one (`partial`). */
const MEANINGS: Record<ExitCategory, string> = {
  ok: 'ok',
  runtime: 'internal error',
  usage: 'usage error',
  input: 'input (image) error',
  weights: 'weights error',
  partial: 'partial (some items failed)',
  output: 'output error (cannot write --out)',
  queue: 'queue error (Redis unreachable or refused)',
  interrupted: 'interrupted (Ctrl-C)',
};

/**
 * The `Exit codes:` paragraph of a help text, generated from core's EXIT_CODES so the numbers can
 * never drift from what main returns. `ok`, `runtime` and `usage` apply to every command.
 * @example exitCodesHelp(['input', 'weights']) // "Exit codes: 0 ok, 1 internal error, 2 usage error, 3 input (image) error, 4 weights error."
 */
export function exitCodesHelp(
  categories: readonly ExitCategory[],
  say: Partial<Record<ExitCategory, string>> = {},
): string {
  const all = [...new Set<ExitCategory>(['ok', 'runtime', 'usage', ...categories])].sort(
    (a, b) => EXIT_CODES[a] - EXIT_CODES[b],
  );
  const items = all.map((c) => `${EXIT_CODES[c]} ${say[c] ?? MEANINGS[c]}`);
  return wrap(`Exit codes: ${items.join(', ')}.`, 110);
}

/** The README's exit-code table, one line per status (main --help). */
export function exitCodesTable(): string {
  return (Object.keys(EXIT_CODES) as ExitCategory[])
    .sort((a, b) => EXIT_CODES[a] - EXIT_CODES[b])
    .map((c) => `  ${String(EXIT_CODES[c]).padStart(3)}  ${MEANINGS[c]}`)
    .join('\n');
}

function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join('\n');
}
