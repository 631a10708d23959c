/**
 * The tokenizer of the kubectl label-selector grammar, after Kubernetes' `labels.Lexer`.
 *
 * An identifier is any run of characters that is neither whitespace nor one of `=!(),<>`; whether
 * it is a valid key or value is decided later, so `app=we b` fails with a clear "found 'b'" rather
 * than an obscure character error. `in` and `notin` stay identifiers here: they are keywords only
 * in operator position (`in in (in)` is a valid selector on the key `in`).
 */

/** What a token is: an identifier, the end of the text, or one of the grammar's symbols. */
export type TokenKind = 'identifier' | 'end' | '(' | ')' | ',' | '!' | '=' | '==' | '!=' | '>' | '<';

/** One token and where it starts in the text (0-based), for error messages. */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly position: number;
}

const SYMBOLS: ReadonlySet<string> = new Set(['=', '!', '(', ')', ',', '>', '<']);
const TWO_CHAR_SYMBOLS: ReadonlySet<string> = new Set(['==', '!=']);
// Kubernetes' `isWhitespace`: other Unicode spaces are identifier characters, and then invalid.
const WHITESPACE: ReadonlySet<string> = new Set([' ', '\t', '\r', '\n']);

/** Splits a label-selector string into tokens; the last token is always `end`. */
export function lexLabelSelector(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (WHITESPACE.has(ch)) {
      i++;
    } else if (SYMBOLS.has(ch)) {
      // Longest match, as Kubernetes does: `!=` and `==` are one token, `=!` is two.
      const pair = text.slice(i, i + 2);
      const symbol = TWO_CHAR_SYMBOLS.has(pair) ? pair : ch;
      tokens.push({ kind: symbol as TokenKind, text: symbol, position: i });
      i += symbol.length;
    } else {
      let end = i + 1;
      while (end < text.length && !SYMBOLS.has(text[end]!) && !WHITESPACE.has(text[end]!)) end++;
      tokens.push({ kind: 'identifier', text: text.slice(i, end), position: i });
      i = end;
    }
  }
  tokens.push({ kind: 'end', text: '', position: text.length });
  return tokens;
}
