// Which brackets are never closed, and which are open at a given token.
// A syntax error that expected `)` is a *missing* bracket (E0104) only when
// the `(` it would close is never closed anywhere in the file; otherwise
// something stray stands before a `)` that does come (E0103).
import type { IToken, TokenType } from 'chevrotain';
import { bracketPairs } from './tokens.ts';

export class BracketTracker {
  /** Indices of opening brackets that no closing bracket matches. */
  private readonly unclosed = new Set<number>();
  /** Replay state for openerAt(): the open brackets before token `next`. */
  private open: number[] = [];
  private next = 0;

  constructor(private readonly tokens: readonly IToken[]) {
    const open: number[] = [];
    for (let i = 0; i < tokens.length; i++) this.step(open, i, this.unclosed);
    for (const i of open) this.unclosed.add(i);
  }

  /**
   * The innermost bracket open just before token `index` whose closer is one
   * of `closers`, if that bracket is never closed. Cheapest when called
   * with increasing indices, as errors are reported in source order.
   */
  unclosedOpenerAt(index: number, closers: ReadonlySet<TokenType>): IToken | undefined {
    if (index < this.next) {
      this.open = [];
      this.next = 0;
    }
    for (; this.next < index && this.next < this.tokens.length; this.next++) this.step(this.open, this.next);
    for (let k = this.open.length - 1; k >= 0; k--) {
      const opener = this.open[k]!;
      if (closers.has(bracketPairs.get(this.tokens[opener]!.tokenType)!)) {
        return this.unclosed.has(opener) ? this.tokens[opener] : undefined;
      }
    }
    return undefined;
  }

  /**
   * Applies token i to a stack of open brackets. A closer pops back to the
   * nearest opener of its kind; openers skipped on the way were never
   * closed. A closer with no opener of its kind closes nothing.
   */
  private step(open: number[], i: number, unclosed?: Set<number>): void {
    const type = this.tokens[i]!.tokenType;
    if (bracketPairs.has(type)) {
      open.push(i);
      return;
    }
    for (let k = open.length - 1; k >= 0; k--) {
      if (bracketPairs.get(this.tokens[open[k]!]!.tokenType) === type) {
        if (unclosed) for (const skipped of open.slice(k + 1)) unclosed.add(skipped);
        open.length = k;
        return;
      }
    }
  }
}
