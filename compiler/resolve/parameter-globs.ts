// `penalty l2(5e-4) on c*.weight` and `noise ... on fc*.weight`: each glob
// must be well formed and match at least one trainable parameter of the
// model, since a pattern that matches nothing is almost always a typo that
// would silently turn the regularizer off.
import type { Glob } from '../../grammar/ast.ts';
import { suggest } from '../registry/index.ts';
import type { DiagnosticSink } from './diagnostic-sink.ts';
import { compileGlob } from './glob.ts';
import type { ModelSummary } from './model-summary.ts';

const LISTED = 6;

/**
 * The trainable parameters the globs select, in model order. `complete` is
 * false when the model has errors of its own: its parameter list may then
 * lack what the glob was written for, so a glob that matches nothing is not
 * reported (the model's errors are).
 */
export function matchParameterGlobs(globs: readonly Glob[], model: ModelSummary, complete: boolean, sink: DiagnosticSink): string[] {
  const trainable = model.parameters.filter((p) => p.role === 'trainable').map((p) => p.name);
  const selected = new Set<string>();
  for (const glob of globs) {
    const compiled = compileGlob(glob.pattern);
    if (!compiled.ok) {
      sink.report({
        code: 'E0408',
        message: `invalid parameter pattern \`${glob.pattern}\`: ${compiled.problem}`,
        span: glob.span,
        label: 'invalid pattern',
        notes: ['patterns use `*` for any characters, `?` for one, `[abc]` or `[a-z]` for one of a set, `[!abc]` for one not in it'],
      });
      continue;
    }
    const matched = trainable.filter(compiled.matches);
    if (matched.length > 0 || !complete) {
      for (const name of matched) selected.add(name);
      continue;
    }
    const stored = model.parameters.filter((p) => p.role !== 'trainable' && compiled.matches(p.name)).map((p) => p.name);
    const close = suggest(glob.pattern, trainable);
    const notes: string[] = [];
    if (stored.length > 0) notes.push(`it matches only tensors that are not trained: ${listed(stored)}`);
    notes.push(
      trainable.length === 0
        ? `\`${model.name}\` has no trainable parameters`
        : `parameters of \`${model.name}\`: ${listed(trainable)}`,
    );
    sink.report({
      code: 'E0406',
      message: `\`${glob.pattern}\` matches no trainable parameter of \`${model.name}\``,
      span: glob.span,
      label: 'matches nothing',
      ...(close.length > 0 ? { help: `there is a parameter with a similar name: \`${close[0]}\`` } : {}),
      notes,
    });
  }
  return [...selected];
}

function listed(names: readonly string[]): string {
  const shown = names.slice(0, LISTED).join(', ');
  return names.length > LISTED ? `${shown} and ${names.length - LISTED} more` : shown;
}
