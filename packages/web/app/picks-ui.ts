// The weights chooser's list of picks kept in this browser (picked-weights.ts keeps them).
import { type CachedPick, formatBytes } from './picked-weights.js';
import { $ } from './dom.js';

/** The kept picks in the weights chooser, most recent first ("cached: name (size)"). */
export function showPicks(picks: readonly CachedPick[]): void {
  const chooser = $('cached-weights') as HTMLSelectElement;
  chooser.replaceChildren(
    chooser.options[0]!,
    ...picks.map((p) =>
      Object.assign(new Option(`cached: ${p.name} (${formatBytes(p.bytes)})`, p.sha256), {
        title: `${p.model}, ${p.includeTop ? 'with' : 'without'} the classifier, ${p.format}; sha256 ${p.sha256}`,
      }),
    ),
  );
  chooser.value = '';
  chooser.hidden = $('forget-weights').hidden = picks.length === 0;
}

/**
 * Storage is missing or full: said once, and the page works on without keeping picks (a failure
 * here never reaches the console as an uncaught error).
 */
export function storageProblem(e: unknown): void {
  if ($('cache-note').dataset.said) return;
  $('cache-note').dataset.said = 'yes';
  $('cache-note').textContent =
    `weights you pick are not kept in this browser: ${e instanceof Error ? e.message : String(e)}`;
}
