// Where in a call an argument was written, matched to the op's parameters
// as bind-args.ts matches them: named arguments by name; positional ones in
// parameter order, after the leading tensor arguments. A lowering error
// about one argument (an axis the input does not have) points there.
import type { Call } from '../../grammar/ast.ts';
import type { Span } from '../../grammar/source.ts';
import type { OpSpec } from '../registry/types.ts';

/** The span of the argument given for `param`, or undefined when it was left to its default. */
export function argumentSpan(call: Call, spec: OpSpec, param: string, tensorArgs: number): Span | undefined {
  const args = call.args ?? [];
  const named = args.find((a) => a.name?.name === param);
  if (named !== undefined) return named.span;
  const index = spec.params.findIndex((p) => p.name === param);
  if (index < 0) return undefined;
  return args.filter((a) => a.name === undefined)[tensorArgs + index]?.span;
}
