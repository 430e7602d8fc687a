// The public face of diagnostics: the data and its renderings. The catalogue
// (catalogue.ts) is not re-exported here because it imports every phase's
// code list, and code that only reports or prints diagnostics (the runtime
// included) should not pull in the compiler to do so.
export type { Diagnostic, Label, Severity } from './diagnostic.ts';
export { hasErrors, sortDiagnostics } from './diagnostic.ts';
export type { DiagnosticJson, PositionJson, RenderOptions, SpanJson } from './render.ts';
export { diagnosticToJson, renderDiagnostic, renderDiagnostics, renderDiagnosticsJson, renderSummary } from './render.ts';
