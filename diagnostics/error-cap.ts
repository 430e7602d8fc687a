// Every error of a file is reported, up to a cap: past a hundred, more
// errors are rarely new information (a broken block used everywhere, a file
// that is not a spec at all) and would bury the first ones.
import type { Diagnostic } from './diagnostic.ts';

/** Errors reported per file at most (docs/language.md, "Errors"). */
export const MAX_ERRORS_PER_FILE = 100;

/**
 * The diagnostics of one file, in source order, up to and including its
 * `max`-th error; when that leaves some out, one note after them says how
 * many errors and warnings were left out and where the first of them is.
 */
export function capErrors(sorted: readonly Diagnostic[], max = MAX_ERRORS_PER_FILE): Diagnostic[] {
  let errors = 0;
  let cut = sorted.length;
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i]!.severity === 'error' && ++errors > max) {
      cut = i;
      break;
    }
  }
  if (cut === sorted.length) return [...sorted];
  const rest = sorted.slice(cut);
  const moreErrors = rest.filter((d) => d.severity === 'error').length;
  const moreWarnings = rest.filter((d) => d.severity === 'warning').length;
  const counts = [plural(moreErrors, 'more error'), ...(moreWarnings > 0 ? [plural(moreWarnings, 'more warning')] : [])].join(' and ');
  const first = rest[0]!;
  return [
    ...sorted.slice(0, cut),
    {
      code: '',
      severity: 'note',
      message: `${counts} not shown`,
      file: first.file,
      span: first.span,
      label: 'the next one is here',
      secondary: [],
      notes: [`at most ${max} errors of a file are reported, in source order; fix these and check again`],
      omitted: { errors: moreErrors, warnings: moreWarnings },
    },
  ];
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
