// What a subcommand is: its help text and options as data, and a run
// function. parse-args.ts builds the command's parser (on commander) and
// help.ts its help from this description, so help, defaults and "did you
// mean" come from one place.

export interface Output {
  write(text: string): void;
  readonly isTTY: boolean;
}

/** Everything a command may touch besides the file system, so tests can run it in-process too. */
export interface CliIo {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  readStdin(): Promise<string>;
}

export type OptionSpec =
  | {
      readonly type: 'boolean';
      readonly short?: string;
      readonly description: string;
    }
  | {
      readonly type: 'string';
      readonly short?: string;
      readonly description: string;
      /** Shown in help as `--format <text|json>`; also the allowed values when `choices` is set. */
      readonly valueName: string;
      readonly choices?: readonly string[];
      /** Not with `multiple`: a repeatable option given no times has no values. */
      readonly default?: string;
      /**
       * The option may be given more than once and keeps every value, in order
       * (`--input a=x.npy --input b=y.npy`); without it the last one wins.
       */
      readonly multiple?: true;
    };

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/**
 * Parsed option values: booleans default to false, strings to their default,
 * repeatable options to every value given (none: an empty list).
 */
export type OptionValues<O extends OptionSpecs> = {
  readonly [K in keyof O]: O[K] extends { readonly type: 'boolean' }
    ? boolean
    : O[K] extends { readonly multiple: true }
      ? readonly string[]
      : O[K] extends { readonly default: string }
        ? string
        : string | undefined;
};

export interface Invocation<O extends OptionSpecs> {
  readonly options: OptionValues<O>;
  readonly positionals: readonly string[];
}

export interface Command<O extends OptionSpecs = OptionSpecs> {
  readonly name: string;
  /** `[options] FILE...`, after `regc <name> `. */
  readonly usage: string;
  /** One or more paragraphs. */
  readonly description: string;
  readonly options: O;
  readonly positionals: { readonly name: string; readonly min: number; readonly max?: number };
  readonly examples: readonly { readonly command: string; readonly meaning: string }[];
  /** Resolves to the exit status: 0 success, 1 the input has problems, 2 misuse. */
  run(invocation: Invocation<O>, io: CliIo): Promise<number>;
}

/** A usage mistake: reported with an optional suggestion, exit status 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly help?: string,
    /** The command whose `--help` to point at, if any. */
    readonly command?: string,
  ) {
    super(message);
  }
}

export const EXIT_OK = 0;
export const EXIT_PROBLEMS = 1;
export const EXIT_USAGE = 2;

/** Identity with inference, so a command's option names type its `run`. */
export function defineCommand<O extends OptionSpecs>(command: Command<O>): Command<O> {
  return command;
}
