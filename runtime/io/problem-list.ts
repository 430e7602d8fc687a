// Several problems in one message. A broken file or bundle usually has more
// than one thing wrong, and fixing them one run at a time is slow; but a
// hostile one can have millions, so only the first few are listed.

/** How many problems a message lists before it says how many more there are. */
export const MAX_LISTED_PROBLEMS = 20;

/** One problem per indented line, the first MAX_LISTED_PROBLEMS of them, then `and N more`. */
export function listProblems(problems: readonly string[], max = MAX_LISTED_PROBLEMS): string {
  const shown = problems.slice(0, max).map((p) => `  ${p}`);
  if (problems.length > max) shown.push(`  and ${problems.length - max} more`);
  return shown.join('\n');
}
