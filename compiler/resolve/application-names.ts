// The names of a body's layer and block applications, which become the
// prefixes of their parameters (`c1.weight`, `relu_2`, `layer1.0.c1.weight`).
import type { Ident } from '../../grammar/ast.ts';
import type { Span } from '../../grammar/source.ts';
import type { OwnedTensor } from '../registry/owned-tensors.ts';
import type { Value } from '../registry/types.ts';
import type { BlockSignature } from './block-signature.ts';
import type { DiagnosticSink } from './diagnostic-sink.ts';

/**
 * One layer or block application, in source order within its body. Every
 * field is always present (undefined where it does not apply), so all
 * applications share one object shape: a 10,000-line spec makes tens of
 * thousands of them.
 */
export interface Application {
  /** `c1`, or the automatic `relu_2` (see `nameApplications`). */
  readonly name: string;
  readonly op: string;
  readonly span: Span;
  readonly label: Ident | undefined;
  /** Stored tensors of a layer, suffixes relative to `name`. */
  readonly tensors: readonly OwnedTensor[];
  /** For block applications: the block and its bound arguments (undefined: could not be bound). */
  readonly block: BlockSignature | undefined;
  readonly args: ReadonlyMap<string, Value | null> | undefined;
  /** For `repeat n`: n, when known. */
  readonly repeat: number | undefined;
}

/** An application before naming. */
export type Pending = Omit<Application, 'name'>;

export const NO_TENSORS: readonly OwnedTensor[] = [];

export function pending(
  span: Span,
  op: string,
  label: Ident | undefined,
  tensors: readonly OwnedTensor[] = NO_TENSORS,
  block?: BlockSignature,
  args?: ReadonlyMap<string, Value | null>,
  repeat?: number,
): Pending {
  return { op, span, label, tensors, block, args, repeat };
}

/**
 * Gives every application a name, in source order: its label, or
 * `<op>_<k>` where k is its 0-based index among all layer and block
 * applications of this body (labelled or not, nested in arguments
 * included). This mirrors the positional names nn.Sequential gives its
 * children, so `normalize(...)`, `c1: conv2d(...)`, `relu` are named
 * `normalize_0`, `c1`, `relu_2`. Arithmetic (`h + x`) is not an
 * application. A label may not repeat, nor equal another's automatic name.
 */
export function nameApplications(applications: readonly Pending[], owner: string, sink: DiagnosticSink): Application[] {
  const ordered = [...applications].sort((a, b) => a.span.start.offset - b.span.start.offset);
  const named = ordered.map(
    (p, k): Application => ({
      name: hasLabel(p) ? p.label!.name : `${p.op}_${k}`,
      op: p.op,
      span: p.span,
      label: p.label,
      tensors: p.tensors,
      block: p.block,
      args: p.args,
      repeat: p.repeat,
    }),
  );
  const labelled = new Map<string, Application>();
  for (const app of named) {
    if (!hasLabel(app)) continue;
    const previous = labelled.get(app.name);
    if (previous === undefined) {
      labelled.set(app.name, app);
      continue;
    }
    sink.report({
      code: 'E0204',
      message: `the label \`${app.name}\` is used twice in ${owner}`,
      span: app.label!.span,
      label: 'used again here',
      secondary: [{ span: previous.label!.span, message: 'first used here' }],
      notes: ["a label names the layer's parameters, so labels must differ within one body"],
    });
  }
  for (const app of named) {
    const clash = hasLabel(app) ? undefined : labelled.get(app.name);
    if (clash === undefined) continue;
    sink.report({
      code: 'E0204',
      message: `the label \`${app.name}\` is also the automatic name of another layer`,
      span: clash.label!.span,
      label: 'this label',
      secondary: [{ span: app.span, message: `automatically named \`${app.name}\`` }],
      help: 'choose another label, or label the other layer too',
    });
  }
  return named;
}

/**
 * An input and a layer of one body may not share a name: diagnostics and
 * `--dump-ir` name each value by where it comes from (`\`x\` gives f32[N, 4]`),
 * so one name for both would not say which is meant. The later of the two
 * is reported, with the earlier one.
 */
export function reportInputLayerClashes(
  applications: readonly Application[],
  inputs: readonly { readonly name: string; readonly span: Span }[],
  owner: string,
  sink: DiagnosticSink,
): void {
  const inputByName = new Map<string, { readonly name: string; readonly span: Span }>();
  for (const input of inputs) if (!inputByName.has(input.name)) inputByName.set(input.name, input);
  for (const app of applications) {
    const input = inputByName.get(app.name);
    if (input === undefined) continue;
    const layer = hasLabel(app)
      ? { span: app.label!.span, what: 'a layer label' }
      : { span: app.span, what: `the automatic name of this \`${app.op}\`` };
    const inputFirst = input.span.start.offset < layer.span.start.offset;
    sink.report({
      code: 'E0213',
      message: `\`${app.name}\` is both an input and a layer of ${owner}`,
      span: inputFirst ? layer.span : input.span,
      label: inputFirst ? `${layer.what} here` : 'an input here',
      secondary: [inputFirst ? { span: input.span, message: 'the input' } : { span: layer.span, message: layer.what }],
      help: 'rename the input or the layer',
    });
  }
}

function hasLabel(app: { readonly label?: Ident }): boolean {
  return app.label !== undefined && app.label.name !== '';
}
