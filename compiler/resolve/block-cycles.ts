// Blocks are inlined at every use, so a block that reaches itself through
// its calls would never finish expanding. Each cycle is reported once, at
// the call that closes it, with the other calls of the cycle as labels.
import type { Span } from '../../grammar/source.ts';
import type { DiagnosticSink } from './diagnostic-sink.ts';

export interface BlockCall {
  readonly name: string;
  readonly span: Span;
}

/** Reports every cycle and returns the blocks on one, which must not be expanded. */
export function findBlockCycles(calls: ReadonlyMap<string, readonly BlockCall[]>, sink: DiagnosticSink): Set<string> {
  const onCycle = new Set<string>();
  const state = new Map<string, 'active' | 'done'>();
  // The path of the depth-first walk: each block with the call that entered the next one.
  const path: { block: string; via?: BlockCall }[] = [];

  const visit = (block: string): void => {
    state.set(block, 'active');
    path.push({ block });
    for (const call of calls.get(block) ?? []) {
      const seen = state.get(call.name);
      if (seen === 'active') {
        path[path.length - 1]!.via = call;
        report(path.slice(path.findIndex((p) => p.block === call.name)), sink);
        for (const p of path.slice(path.findIndex((p) => p.block === call.name))) onCycle.add(p.block);
      } else if (seen === undefined && calls.has(call.name)) {
        path[path.length - 1]!.via = call;
        visit(call.name);
      }
    }
    path.pop();
    state.set(block, 'done');
  };
  for (const block of calls.keys()) if (!state.has(block)) visit(block);
  return onCycle;
}

function report(cycle: readonly { block: string; via?: BlockCall }[], sink: DiagnosticSink): void {
  const closing = cycle[cycle.length - 1]!;
  const names = [...cycle.map((c) => c.block), cycle[0]!.block].map((n) => `\`${n}\``);
  const others = cycle.slice(0, -1);
  sink.report({
    code: 'E0210',
    message: cycle.length === 1 ? `block \`${closing.block}\` calls itself` : `blocks call each other in a cycle: ${names.join(' -> ')}`,
    span: closing.via!.span,
    label: cycle.length === 1 ? 'calls itself here' : `\`${closing.block}\` calls \`${cycle[0]!.block}\` here`,
    secondary: others.map((c) => ({ span: c.via!.span, message: `\`${c.block}\` calls \`${c.via!.name}\` here` })),
    notes: ['blocks are expanded where they are used, so a block cannot contain itself; use `repeat n` for a stack of copies'],
  });
}
