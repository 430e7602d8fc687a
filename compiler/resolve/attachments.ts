// `with weightnorm, dropconnect(0.2)` after a layer: each must be an
// attachment that attaches to that layer, none twice, and at most one
// reparameterisation of the weight (weightnorm and spectralnorm each rename
// `weight`, so two would fight over it).
import type { Call } from '../../grammar/ast.ts';
import type { Span } from '../../grammar/source.ts';
import type { OpSpec } from '../registry/types.ts';
import { bindArgs } from './bind-args.ts';
import type { DiagnosticSink } from './diagnostic-sink.ts';
import type { ConstEnv } from './evaluate.ts';
import { resolveAt } from './places.ts';

const REPARAMETERISATIONS = new Set(['weightnorm', 'spectralnorm']);
const NONE: readonly string[] = [];

/** The names of the valid attachments of `call`, a layer call of `layer`. */
export function checkAttachments(call: Call, layer: OpSpec, env: ConstEnv, sink: DiagnosticSink): readonly string[] {
  if (call.attachments.length === 0) return NONE;
  const names: string[] = [];
  const seen = new Map<string, Span>();
  let reparameterised: { name: string; span: Span } | undefined;

  for (const attachment of call.attachments) {
    const spec = resolveAt(attachment.callee, 'attachment', sink);
    if (spec === undefined) continue;
    const name = spec.name;
    bindArgs(attachment, spec, env, sink);

    if (!spec.attachesTo?.includes(layer.name)) {
      sink.report({
        code: 'E0211',
        message: `\`${name}\` cannot attach to \`${layer.name}\``,
        span: attachment.callee.span,
        label: `not for \`${layer.name}\``,
        notes: [`\`${name}\` attaches to ${(spec.attachesTo ?? []).map((n) => `\`${n}\``).join(', ')}`],
      });
      continue;
    }
    const previous = seen.get(name);
    if (previous !== undefined) {
      sink.report({
        code: 'E0212',
        message: `\`${name}\` is attached twice to the same layer`,
        span: attachment.callee.span,
        label: 'attached again here',
        secondary: [{ span: previous, message: 'first attached here' }],
      });
      continue;
    }
    seen.set(name, attachment.callee.span);
    if (REPARAMETERISATIONS.has(name)) {
      if (reparameterised !== undefined) {
        sink.report({
          code: 'E0212',
          message: `\`${reparameterised.name}\` and \`${name}\` cannot both rewrite the weight of one layer`,
          span: attachment.callee.span,
          label: 'second reparameterisation',
          secondary: [{ span: reparameterised.span, message: 'first one here' }],
          help: 'keep one of them',
        });
        continue;
      }
      reparameterised = { name, span: attachment.callee.span };
    }
    names.push(name);
  }
  return names;
}

/** Blocks have no weight of their own to attach to. */
export function rejectBlockAttachments(call: Call, sink: DiagnosticSink): void {
  const first = call.attachments[0];
  if (first === undefined) return;
  sink.report({
    code: 'E0211',
    message: `attachments apply to layers, and \`${call.callee.name}\` is a block`,
    span: first.callee.span,
    label: 'cannot attach to a block',
    help: 'attach it to the layers inside the block',
  });
}
