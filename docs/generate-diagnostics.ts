// Renders the diagnostic catalogue into docs/diagnostics.md, between the
// GENERATED markers: one section per code with its explanation, an example
// and what `regc check` prints for that example, run live.
//   npx tsx docs/generate-diagnostics.ts          rewrite the section
//   npx tsx docs/generate-diagnostics.ts --check  exit 1 if it is stale
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { exampleOutput } from '../cli/example-output.ts';
import { catalogue, PHASES, type CatalogueEntry, type Phase } from '../diagnostics/catalogue.ts';

export const BEGIN_MARKER = '<!-- BEGIN GENERATED: diagnostics -->';
export const END_MARKER = '<!-- END GENERATED: diagnostics -->';

export const DIAGNOSTICS_DOC = new URL('./diagnostics.md', import.meta.url);

/** A fence longer than any backtick run in the text, so examples may contain backticks. */
function fenced(language: string, text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${text.replace(/\n$/, '')}\n${fence}`;
}

function entrySection(entry: CatalogueEntry): string {
  const output = exampleOutput(entry);
  return [
    `### ${entry.code}: ${entry.title}`,
    '',
    entry.explanation.trim(),
    '',
    'Example:',
    '',
    fenced('reg', entry.example),
    ...(output === undefined ? [] : ['', '`regc check` reports:', '', fenced('text', output)]),
  ].join('\n');
}

export function renderDiagnosticsDoc(phases: readonly Phase[] = PHASES): string {
  const entries = catalogue(phases);
  const index = [
    '| code | phase | title |',
    '|---|---|---|',
    ...entries.map((e) => `| [${e.code}](#${e.code.toLowerCase()}-${slug(e.title)}) | ${e.phase} | ${e.title.replace(/\|/g, '\\|')} |`),
  ];
  const sections = phases
    .filter((phase) => phase.codes.length > 0)
    .flatMap((phase) => [`## ${phase.title}`, '', ...catalogue([phase]).flatMap((entry) => [entrySection(entry), ''])]);
  return [...index, '', ...sections].join('\n').trimEnd();
}

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces to dashes. */
function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .trim()
    .replace(/\s/g, '-');
}

export function withDiagnosticsDoc(document: string, phases: readonly Phase[] = PHASES): string {
  const begin = document.indexOf(BEGIN_MARKER);
  const end = document.indexOf(END_MARKER);
  const section = `${BEGIN_MARKER}\n${renderDiagnosticsDoc(phases)}\n${END_MARKER}`;
  if (begin === -1 || end === -1 || end < begin) {
    const separator = document === '' || document.endsWith('\n\n') ? '' : document.endsWith('\n') ? '\n' : '\n\n';
    return `${document}${separator}${section}\n`;
  }
  return document.slice(0, begin) + section + document.slice(end + END_MARKER.length);
}

const NEW_DOCUMENT = [
  '# Diagnostics',
  '',
  'Every error and warning regc reports has a stable code: `E` for errors, `W` for warnings.',
  '`regc explain CODE` prints one entry. The catalogue below is generated from each phase\'s',
  '`diagnostic-codes.ts` by `docs/generate-diagnostics.ts`; the output shown for each example',
  'is what `regc check` prints for it today.',
  '',
].join('\n');

function readDocument(): string {
  try {
    return readFileSync(DIAGNOSTICS_DOC, 'utf8');
  } catch {
    return NEW_DOCUMENT;
  }
}

function main(argv: readonly string[]): number {
  const current = readDocument();
  const fresh = withDiagnosticsDoc(current);
  if (argv.includes('--check')) {
    if (fresh === current) return 0;
    console.error('docs/diagnostics.md is out of date with the diagnostic catalogue; run npx tsx docs/generate-diagnostics.ts');
    return 1;
  }
  if (fresh !== current) writeFileSync(DIAGNOSTICS_DOC, fresh);
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
