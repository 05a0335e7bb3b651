import type { FeatureMapRow, SummaryRow } from '@vggscope/core';
import type { Prediction } from '@vggscope/explain';
import { formatProbability } from '../table.js';

/** One figure of the page: a PNG inlined as a data: URI (the page is one file, and loads nothing). */
export interface ReportFigure {
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  readonly png: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** CSS width to show it at (default its own width); never wider than the column. */
  readonly displayWidth?: number;
}

/** What the page shows for one image (a section of its own when the report has several). */
export interface ReportImage {
  readonly image: string;
  readonly input: ReportFigure;
  readonly block1?: ReportFigure;
  readonly blocks: readonly ReportFigure[];
  readonly predictions?: readonly Prediction[];
  readonly gradCam?: ReportFigure;
  /** `--saliency` / `--patterns` figures (report/gradient-sections.ts). */
  readonly gradients?: readonly ReportFigure[];
}

export interface ReportData {
  readonly model: string;
  readonly images: readonly ReportImage[];
  readonly generated: string;
  readonly weights: {
    readonly path: string;
    readonly format: string;
    readonly checksum: { readonly algorithm: string; readonly value: string; readonly of: string };
    readonly layers: readonly string[];
    readonly hasTop: boolean;
    /** The official ImageNet file (md5 in the manifest) or converted from it; else labelled "not official". */
    readonly official: boolean;
  };
  readonly summary: { readonly rows: readonly SummaryRow[]; readonly totalParams: number };
  readonly sizes: readonly FeatureMapRow[];
  readonly filters?: ReportFigure;
  /** `--patterns` figures: what a layer's filters respond to (the same for every image). */
  readonly patterns?: readonly ReportFigure[];
  /** Things the page could not show, and why (partial weights, no top, synthetic weights). */
  readonly notes: readonly string[];
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const shape = (s: readonly (number | null)[]) =>
  `(${s.map((d) => (d === null ? 'None' : d)).join(', ')}${s.length === 1 ? ',' : ''})`;
const num = (n: number) => n.toLocaleString('en-US');
const bytes = (n: number) => (n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);

function figure(f: ReportFigure, idSuffix = ''): string {
  const src = `data:image/png;base64,${Buffer.from(f.png).toString('base64')}`;
  // The figure is as wide as the picture is shown (never wider than the column); the caption wraps to it.
  return `<figure id="${esc(f.id + idSuffix)}" style="width:min(100%, calc(${f.displayWidth ?? f.width}px + 1rem + 2px))"><img src="${src}" width="${f.width}" height="${f.height}" alt="${esc(f.title)}" loading="eager">
<figcaption><strong>${esc(f.title)}</strong> ${esc(f.caption)}</figcaption></figure>`;
}

function table(
  caption: string,
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  numeric: ReadonlySet<number>,
  id: string,
): string {
  const th = headers.map((h, i) => `<th scope="col"${numeric.has(i) ? ' class="n"' : ''}>${esc(h)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${r.map((c, i) => `<td${numeric.has(i) ? ' class="n"' : ''}>${esc(c)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<div class="scroll"><table id="${id}"><caption>${esc(caption)}</caption><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

const CSS = `
:root { color-scheme: light dark; --bg: #fbfbfd; --fg: #1d1d24; --muted: #5b5d6b; --card: #ffffff; --line: #d9dbe3; --accent: #3656a8; }
@media (prefers-color-scheme: dark) { :root { --bg: #15161b; --fg: #e6e7ee; --muted: #a3a6b8; --card: #1e2027; --line: #343744; --accent: #8fb0ff; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 1rem clamp(0.75rem, 3vw, 2rem) 3rem; }
h1 { font-size: clamp(1.4rem, 4vw, 2rem); margin: 0.5rem 0 0.25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.5rem; padding-top: 0.5rem; border-top: 1px solid var(--line); }
p, li, figcaption, caption { color: var(--muted); }
a { color: var(--accent); }
nav ul { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; padding: 0; list-style: none; }
.note { background: var(--card); border-left: 4px solid var(--accent); padding: 0.5rem 0.75rem; margin: 0.5rem 0; }
.grid { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
figure { margin: 0 0 1rem; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 0.5rem; }
figure img { display: block; width: 100%; height: auto; image-rendering: pixelated; border-radius: 4px; }
figcaption { font-size: 0.9rem; margin-top: 0.4rem; }
.scroll { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; font-variant-numeric: tabular-nums; }
caption { text-align: left; padding: 0.5rem 0.75rem; font-size: 0.9rem; }
th, td { padding: 0.3rem 0.75rem; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
th { font-weight: 600; }
.n { text-align: right; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.9em; overflow-wrap: anywhere; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 0.75rem; }
dt { font-weight: 600; } dd { margin: 0; overflow-wrap: anywhere; }
@media (max-width: 600px) { dl { grid-template-columns: 1fr; } dd { margin-bottom: 0.5rem; } }
`;

/**
 * The whole page: one HTML file, figures inlined, no script, no network (a CSP forbids it), light
 * and dark by the reader's setting, one column on a phone.
 */
export function renderReportHtml(d: ReportData): string {
  const sections: string[] = [];
  const w = d.weights;
  sections.push(`<section id="weights"><h2>Weights</h2><dl>
<dt>file</dt><dd><code>${esc(w.path)}</code></dd>
<dt>format</dt><dd>${esc(w.format)}${w.official ? '' : ' — <strong>not official</strong>: synthetic or your own weights, not the ImageNet files; features, predictions and heatmaps mean nothing about ImageNet'}</dd>
<dt>${esc(w.checksum.algorithm)}</dt><dd><code>${esc(w.checksum.value)}</code>${w.checksum.of ? ` (${esc(w.checksum.of)})` : ''}</dd>
<dt>layers loaded</dt><dd>${w.layers.length}: ${esc(w.layers.join(', '))}</dd>
<dt>top (fc1, fc2, predictions)</dt><dd>${w.hasTop ? 'yes' : 'no: no predictions or Grad-CAM'}</dd>
</dl></section>`);
  if (d.filters)
    sections.push(`<section id="filters"><h2>Filters</h2><div class="grid">${figure(d.filters)}</div></section>`);
  if (d.patterns?.length)
    sections.push(
      `<section id="patterns"><h2>Filter patterns</h2><div class="grid">${d.patterns.map((f) => figure(f)).join('\n')}</div></section>`,
    );
  if (d.images.length === 1) sections.push(...imageSections(d.images[0]!, '', 'h2'));
  else
    d.images.forEach((img, k) =>
      sections.push(
        `<section id="image-${k + 1}"><h2>Image ${k + 1}: <code>${esc(fileName(img.image))}</code></h2>\n${imageSections(img, `-${k + 1}`, 'h3').join('\n')}</section>`,
      ),
    );
  const summaryRows = d.summary.rows.map((r) => [`${r.name} (${r.type})`, shape(r.outputShape), num(r.params)]);
  sections.push(
    `<section id="summary"><h2>Model summary</h2>${table(`model.summary(): ${num(d.summary.totalParams)} parameters`, ['Layer (type)', 'Output shape', 'Param #'], summaryRows, new Set([2]), 'summary-table')}</section>`,
  );
  const sizeRows = d.sizes.map((r) => [String(r.index), r.name, r.kind, shape(r.outputShape), bytes(r.bytes)]);
  sections.push(
    `<section id="sizes"><h2>Feature-map sizes</h2>${table('One image, float32', ['#', 'layer', 'kind', 'output shape', 'size'], sizeRows, new Set([0, 4]), 'sizes-table')}</section>`,
  );

  const nav = sections
    .map((s) => /<section id="([^"]+)"><h2>(.*?)<\/h2>/.exec(s)!)
    .map((m) => `<li><a href="#${m[1]}">${m[2]!.replace(/<[^>]+>/g, '')}</a></li>`)
    .join('');
  const subject =
    d.images.length === 1 ? `<code>${esc(fileName(d.images[0]!.image))}</code>` : `${d.images.length} images`;
  const title = d.images.length === 1 ? fileName(d.images[0]!.image) : `${d.images.length} images`;
  const from = d.images.map((i) => `<code>${esc(i.image)}</code>`).join(', ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="color-scheme" content="light dark">
<title>${esc(d.model)} · ${esc(title)} · vggscope report</title>
<style>${CSS}</style></head>
<body><main>
<h1>${esc(d.model)} on ${subject}</h1>
<p>Generated by vggscope on ${esc(d.generated)} from ${from}.</p>
${d.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('\n')}
<nav><ul>${nav}</ul></nav>
${sections.join('\n')}
</main></body></html>
`;
}

const fileName = (path: string) => path.split(/[\\/]/).pop()!;

/**
 * One image's sections: its input, predictions with Grad-CAM, and feature maps. With several
 * images each gets its own ids (`-2`, `-3`, …) and `h3` headings under the image's `h2`.
 */
function imageSections(img: ReportImage, suffix: string, h: 'h2' | 'h3'): string[] {
  const out: string[] = [];
  const head = (id: string, title: string) => `<section id="${id}${suffix}"><${h}>${title}</${h}>`;
  out.push(
    `${head('input', 'The input after <code>load_img</code>')}<div class="grid">${figure(img.input, suffix)}</div></section>`,
  );
  if (img.predictions) {
    const rows = img.predictions.map((p, i) => [String(i + 1), p.wnid, p.label, formatProbability(p.probability)]);
    out.push(`${head('predictions', 'Top-5 predictions')}${table('decode_predictions(model.predict(x), top=5)', ['#', 'wnid', 'label', 'probability'], rows, new Set([0, 3]), `predictions-table${suffix}`)}
${img.gradCam ? `<div class="grid" style="margin-top:1rem">${figure(img.gradCam, suffix)}</div>` : ''}</section>`);
  }
  if (img.block1) out.push(`${head('block1', 'Feature maps of block1_conv1')}${figure(img.block1, suffix)}</section>`);
  if (img.blocks.length)
    out.push(
      `${head('blocks', 'The last conv of each block')}<div class="grid">${img.blocks.map((f) => figure(f, suffix)).join('\n')}</div></section>`,
    );
  if (img.gradients?.length)
    out.push(
      `${head('gradients', 'Gradients')}<div class="grid">${img.gradients.map((f) => figure(f, suffix)).join('\n')}</div></section>`,
    );
  return out;
}
