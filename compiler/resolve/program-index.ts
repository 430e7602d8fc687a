// The file's top-level names: models and blocks share one namespace (a
// train section or a body could otherwise not tell which is meant), and a
// block may not take a name the registry already gives to something.
import type { ModelDecl, Program } from '../../grammar/ast.ts';
import type { Span } from '../../grammar/source.ts';
import { REGISTRY } from '../registry/index.ts';
import { blockSignature, type BlockSignature } from './block-signature.ts';
import type { DiagnosticSink } from './diagnostic-sink.ts';
import { placeNoun } from './places.ts';

export interface ProgramIndex {
  readonly models: ReadonlyMap<string, ModelDecl>;
  readonly blocks: ReadonlyMap<string, BlockSignature>;
}

export function indexProgram(program: Program, sink: DiagnosticSink): ProgramIndex {
  const models = new Map<string, ModelDecl>();
  const blocks = new Map<string, BlockSignature>();
  const declared = new Map<string, { kind: string; span: Span }>();

  for (const item of program.items) {
    if (item.kind === 'Train') continue;
    const name = item.name.name;
    const kind = item.kind === 'Model' ? 'model' : 'block';
    const signature = item.kind === 'Block' ? blockSignature(item, sink) : undefined;
    if (name === '') continue;

    const previous = declared.get(name);
    if (previous !== undefined) {
      sink.report({
        code: 'E0205',
        message: `the name \`${name}\` is defined twice`,
        span: item.name.span,
        label: `this ${kind} is not used`,
        secondary: [{ span: previous.span, message: `${previous.kind} \`${name}\` first defined here` }],
        notes: ['models and blocks share one namespace'],
      });
      continue;
    }
    const op = REGISTRY.get(name);
    if (op !== undefined && kind === 'block') {
      sink.report({
        code: 'E0205',
        message: `block name \`${name}\` is already ${placeNoun(op.place, true)}`,
        span: item.name.span,
        label: 'choose another name',
        notes: ['a block is called like a layer, so it cannot share a name with anything the registry defines'],
      });
      continue;
    }
    declared.set(name, { kind, span: item.name.span });
    if (item.kind === 'Model') models.set(name, item);
    else if (signature !== undefined) blocks.set(name, signature);
  }
  return { models, blocks };
}
