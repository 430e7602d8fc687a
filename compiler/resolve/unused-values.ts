// Warnings for tensor values nothing uses: an input or `let` never named
// again nor flowing on (W0201), a statement result the next statement drops
// (W0203). A name starting with `_` says the value is kept on purpose.
import type { Span } from '../../grammar/source.ts';
import type { DiagnosticSink } from './diagnostic-sink.ts';

/** A tensor value: an input, a `let`, or a statement's result; `used` is set as the body is walked. */
export interface ValueRecord {
  readonly kind: 'input' | 'let' | 'result';
  readonly name: string;
  readonly span: Span;
  used: boolean;
}

export function reportUnusedValues(records: readonly ValueRecord[], sink: DiagnosticSink): void {
  for (const record of records) {
    if (record.used) continue;
    if (record.kind === 'result') {
      sink.report({
        code: 'W0203',
        message: 'the result of this statement is never used',
        span: record.span,
        label: 'computed, then dropped',
        notes: ['a statement continues from the value before it only when it starts with a layer or block'],
      });
    } else {
      sink.report({
        code: 'W0201',
        message: `${record.kind === 'input' ? 'input' : 'value'} \`${record.name}\` is never used`,
        span: record.span,
        label: 'defined here',
        ...(record.name.startsWith('_') ? {} : { help: `if that is intended, name it \`_${record.name}\`` }),
      });
    }
  }
}
