/**
 * The kubectl label-selector grammar: `app=web`, `app==web`, `tier!=db`, `env in (a,b)`,
 * `env notin (a)`, `key`, `!key`, `n>5`, `n<5`, joined by `,` (AND), whitespace ignored.
 *
 * The parser follows Kubernetes' `labels.Parser` step for step, so that the same inputs are
 * accepted (including quirks such as `env in ()` meaning the empty value) and errors carry the
 * same wording, `unable to parse requirement: found '(', expected: identifier`, plus the column.
 */
import { badRequest } from '../errors.js';
import { isQualifiedName } from '../validation/names.js';
import { lexLabelSelector, type Token } from './label-lexer.js';
import {
  type LabelOperator,
  type LabelSelector,
  labelSelector,
  type Requirement,
  requirement,
  requirementErrors,
} from './requirement.js';

const TOKEN_OPERATORS: Readonly<Record<string, LabelOperator>> = {
  '=': 'Equals',
  '==': 'DoubleEquals',
  '!=': 'NotEquals',
  '>': 'GreaterThan',
  '<': 'LessThan',
};

/** Parses the kubectl string grammar (`app=web,tier!=db,env in (a,b),!canary`); throws BadRequest. */
export function parseLabelSelector(text: string): LabelSelector {
  return new LabelSelectorParser(text).parse();
}

/** Recursive descent over the tokens; one method per rule of Kubernetes' `labels.Parser`. */
class LabelSelectorParser {
  private readonly tokens: readonly Token[];
  private index = 0;

  constructor(private readonly text: string) {
    this.tokens = lexLabelSelector(text);
  }

  parse(): LabelSelector {
    const requirements: Requirement[] = [];
    for (;;) {
      const first = this.peek();
      if (first.kind === 'end') break;
      if (first.kind !== 'identifier' && first.kind !== '!') {
        this.fail(`found '${first.text}', expected: !, identifier, or 'end of string'`, first);
      }
      requirements.push(this.parseRequirement());
      const after = this.next();
      if (after.kind === 'end') break;
      if (after.kind !== ',') this.fail(`found '${after.text}', expected: ',' or 'end of string'`, after);
      const following = this.peek();
      if (following.kind !== 'identifier' && following.kind !== '!') {
        this.fail(`found '${following.text}', expected: identifier after ','`, following);
      }
    }
    return labelSelector(requirements);
  }

  private parseRequirement(): Requirement {
    let keyToken = this.next();
    const negated = keyToken.kind === '!';
    if (negated) keyToken = this.next();
    if (keyToken.kind !== 'identifier') {
      this.failRequirement(`found '${keyToken.text}', expected: identifier`, keyToken);
    }
    const key = keyToken.text;
    const keyErrors = isQualifiedName(key);
    // Checked before the operator so the error points at the key, as Kubernetes reports it.
    if (keyErrors.length > 0) {
      this.failRequirement(`invalid label key "${key}": ${keyErrors.join('; ')}`, keyToken);
    }

    // `!key` ends the requirement whatever follows; the caller reports a stray token after it.
    if (negated) return requirement(key, 'DoesNotExist', []);
    const lookahead = this.peek();
    if (lookahead.kind === 'end' || lookahead.kind === ',') return requirement(key, 'Exists', []);

    const operatorToken = this.next();
    const operator = this.operatorOf(operatorToken);
    const values = operator === 'In' || operator === 'NotIn' ? this.parseValues() : this.parseExactValue();
    // Checked here to add the column; `requirement()` checks again, which costs little next to
    // the lexing and keeps it the one way to build a Requirement.
    const errors = requirementErrors(key, operator, values);
    if (errors.length > 0) this.failRequirement(errors.join('; '), operatorToken);
    return requirement(key, operator, values);
  }

  private operatorOf(token: Token): LabelOperator {
    // `in` and `notin` are keywords only here, in operator position.
    if (token.kind === 'identifier' && token.text === 'in') return 'In';
    if (token.kind === 'identifier' && token.text === 'notin') return 'NotIn';
    const operator = TOKEN_OPERATORS[token.kind];
    if (operator === undefined) {
      this.failRequirement(`found '${token.text}', expected: in, notin, =, ==, !=, >, <`, token);
    }
    return operator;
  }

  /** `( v1, v2, ... )`; `()` is the set holding the empty value, as in Kubernetes. */
  private parseValues(): string[] {
    const open = this.next();
    if (open.kind !== '(') this.failRequirement(`found '${open.text}', expected: '('`, open);
    const lookahead = this.peek();
    if (lookahead.kind === ')') {
      this.next();
      return [''];
    }
    if (lookahead.kind !== 'identifier' && lookahead.kind !== ',') {
      this.failRequirement(`found '${lookahead.text}', expected: ',', ')' or identifier`, lookahead);
    }
    const values = this.parseIdentifiers();
    const close = this.next();
    if (close.kind !== ')') this.failRequirement(`found '${close.text}', expected: ')'`, close);
    return values;
  }

  /** The list inside parentheses, where a missing value between commas is the empty value. */
  private parseIdentifiers(): string[] {
    const values: string[] = [];
    for (;;) {
      const token = this.next();
      if (token.kind === 'identifier') {
        values.push(token.text);
        const lookahead = this.peek();
        if (lookahead.kind === ')') return values;
        if (lookahead.kind !== ',')
          this.failRequirement(`found '${lookahead.text}', expected: ',' or ')'`, lookahead);
      } else if (token.kind === ',') {
        if (values.length === 0) values.push(''); // `(,a)`
        const lookahead = this.peek();
        if (lookahead.kind === ')') {
          values.push(''); // `(a,)`
          return values;
        }
        if (lookahead.kind === ',') {
          this.next();
          values.push(''); // `(a,,b)`
        }
      } else {
        this.failRequirement(`found '${token.text}', expected: ',', or identifier`, token);
      }
    }
  }

  /** The single value after `=`, `==`, `!=`, `>` or `<`; nothing before `,` or the end is `""`. */
  private parseExactValue(): string[] {
    const lookahead = this.peek();
    if (lookahead.kind === 'end' || lookahead.kind === ',') return [''];
    const token = this.next();
    if (token.kind !== 'identifier')
      this.failRequirement(`found '${token.text}', expected: identifier`, token);
    return [token.text];
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private next(): Token {
    const token = this.tokens[this.index]!;
    // Never step past `end`, so every later peek still sees it.
    if (token.kind !== 'end') this.index++;
    return token;
  }

  private failRequirement(message: string, token: Token): never {
    this.fail(`unable to parse requirement: ${message}`, token);
  }

  private fail(message: string, token: Token): never {
    throw badRequest(`${message} (column ${token.position + 1} of ${JSON.stringify(this.text)})`);
  }
}
