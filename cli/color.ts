// When to paint output. Shared by every command that prints diagnostics.
import type { Output, OptionSpec } from './command.ts';

export const COLOR_OPTION = {
  type: 'string',
  valueName: 'when',
  choices: ['auto', 'always', 'never'],
  default: 'auto',
  description: 'color diagnostics: auto (when the output is a terminal and NO_COLOR is unset), always or never',
} as const satisfies OptionSpec;

/** https://no-color.org: NO_COLOR set to anything non-empty turns color off in `auto`. */
export function useColor(mode: string, stream: Output, env: Readonly<Record<string, string | undefined>>): boolean {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  return stream.isTTY && !env.NO_COLOR;
}
