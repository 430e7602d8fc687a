import { describe, expect, it } from 'vitest';
import { regLexer, reservedWords } from '../../grammar/tokens.ts';

function lex(text: string): string[] {
  const result = regLexer.tokenize(text);
  expect(result.errors).toEqual([]);
  return result.tokens.map((token) => `${token.tokenType.name} ${token.image}`);
}

describe('keywords and identifiers', () => {
  it('lexes reserved words as keywords and longer words as identifiers', () => {
    expect(lex('model modelx inputs input _input output1 with withx')).toEqual([
      'Model model',
      'Identifier modelx',
      'Identifier inputs',
      'Input input',
      'Identifier _input',
      'Identifier output1',
      'With with',
      'Identifier withx',
    ]);
  });

  it('lexes train words as soft keywords and their extensions as identifiers', () => {
    expect(lex('loss losses batch batchnorm steps early_stop early_stopping')).toEqual([
      'Loss loss',
      'Identifier losses',
      'Batch batch',
      'Identifier batchnorm',
      'Steps steps',
      'EarlyStop early_stop',
      'Identifier early_stopping',
    ]);
  });

  it('keeps the reserved set small', () => {
    expect([...reservedWords].sort()).toEqual(
      ['block', 'false', 'input', 'let', 'model', 'on', 'output', 'repeat', 'train', 'true', 'with'].sort(),
    );
  });
});

describe('numbers', () => {
  it.each(['3', '3.0', '.5', '1e-5', '1E+3', '1_000', '0x1F', '0b101', '0o17', '3.', '2.5e10'])(
    'lexes %s as one number token',
    (raw) => {
      expect(lex(raw)).toEqual([`NumberLiteral ${raw}`]);
    },
  );

  it('lexes malformed numbers as one token so they get one error', () => {
    expect(lex('1e 0x 3abc 1__0')).toEqual([
      'NumberLiteral 1e',
      'NumberLiteral 0x',
      'NumberLiteral 3abc',
      'NumberLiteral 1__0',
    ]);
  });

  it('does not swallow a following operator', () => {
    expect(lex('2-1 x-1')).toEqual([
      'NumberLiteral 2',
      'Minus -',
      'NumberLiteral 1',
      'Identifier x',
      'Minus -',
      'NumberLiteral 1',
    ]);
  });
});

describe('globs', () => {
  it('lexes globs only after `on` and after a comma that follows a glob', () => {
    expect(lex('penalty l2(5e-4) on c*.weight, layer1.*.bn?.bias, *.bias')).toEqual([
      'Penalty penalty',
      'Identifier l2',
      'LParen (',
      'NumberLiteral 5e-4',
      'RParen )',
      'On on',
      'Glob c*.weight',
      'Comma ,',
      'Glob layer1.*.bn?.bias',
      'Comma ,',
      'Glob *.bias',
    ]);
  });

  it('keeps `a*b` a multiplication elsewhere', () => {
    expect(lex('concat(a*b, c*d)')).toEqual([
      'Identifier concat',
      'LParen (',
      'Identifier a',
      'Star *',
      'Identifier b',
      'Comma ,',
      'Identifier c',
      'Star *',
      'Identifier d',
      'RParen )',
    ]);
  });

  it('continues a glob list through quoted globs', () => {
    expect(lex('on "fc*.weight", c[12].bias')).toEqual([
      'On on',
      'StringLiteral "fc*.weight"',
      'Comma ,',
      'Glob c[12].bias',
    ]);
  });

  it('lexes `input` and `weights` after `on` as noise targets', () => {
    expect(lex('on input')).toEqual(['On on', 'Input input']);
    expect(lex('on weights')).toEqual(['On on', 'Weights weights']);
    expect(lex('on weights_v')).toEqual(['On on', 'Glob weights_v']);
  });

  it('sees past comments between `on` and the glob', () => {
    expect(lex('on /* all convs */ c*.weight')).toEqual(['On on', 'Glob c*.weight']);
  });
});

describe('strings, comments and punctuation', () => {
  it('lexes both quote styles with escapes', () => {
    expect(lex(`"a\\"b" 'c\\'d'`)).toEqual([`StringLiteral "a\\"b"`, `StringLiteral 'c\\'d'`]);
  });

  it('keeps comments in their own group, in order', () => {
    const result = regLexer.tokenize('a // one\n/* two\n three */ b');
    expect(result.tokens.map((t) => t.image)).toEqual(['a', 'b']);
    expect(result.groups['comments']!.map((t) => t.image)).toEqual(['// one', '/* two\n three */']);
  });

  it('lexes every punctuation mark, `->` before `-`', () => {
    expect(lex('{}()[],:;=->+-*/').map((t) => t.split(' ')[1])).toEqual([
      '{', '}', '(', ')', '[', ']', ',', ':', ';', '=', '->', '+', '-', '*', '/',
    ]);
  });

  it('marks an unclosed string and an unclosed comment with their own token types', () => {
    expect(lex('"abc\nx')).toEqual(['UnterminatedString "abc', 'Identifier x']);
    const result = regLexer.tokenize('x /* never closed\n y');
    expect(result.groups['comments']!.map((t) => t.tokenType.name)).toEqual(['UnterminatedBlockComment']);
  });

  it('skips a byte-order mark as whitespace', () => {
    expect(lex('\uFEFFmodel M')).toEqual(['Model model', 'Identifier M']);
  });

  it('reports characters outside the language', () => {
    const result = regLexer.tokenize('a $ b');
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]!.offset).toBe(2);
  });
});
