/**
 * Kubernetes field selectors (`--field-selector spec.nodeName=n1,status.phase!=Running`), after
 * `k8s.io/apimachinery/pkg/fields`.
 *
 * The grammar is terms joined by `,`, each `field=value`, `field==value` or `field!=value`. Values
 * escape `\`, `,` and `=` with a backslash; field names have no escaping, so the first operator in
 * a term splits it. A missing field reads as `""`, which is what makes `spec.nodeName=` select
 * unscheduled pods. Which fields a resource supports is the registry's business, checked with
 * `checkFieldsSupported`.
 */
import { badRequest } from '../errors.js';

/** `Equals` covers both `=` and `==`, which Kubernetes treats as one operator. */
export type FieldOperator = 'Equals' | 'NotEquals';

/** One term: the field, compared with one value. */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  readonly value: string;
}

/** Terms that must all hold (AND); empty selects everything. */
export type FieldSelector = readonly FieldRequirement[];

// `!=` and `==` are tried before `=` so neither leaves a stray `=` in the value.
const TERM_OPERATORS: readonly [string, FieldOperator][] = [
  ['!=', 'NotEquals'],
  ['==', 'Equals'],
  ['=', 'Equals'],
];

/** Parses a field selector string; throws BadRequest on a term without operator or a bad escape. */
export function parseFieldSelector(text: string): FieldSelector {
  const requirements: FieldRequirement[] = [];
  for (const term of splitTerms(text)) {
    if (term === '') continue;
    const split = splitTerm(term);
    if (split === undefined) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    // Field names never contain whitespace, so trimming them only forgives `a=b, c=d`; values
    // are kept as written because whitespace there may be data.
    requirements.push({
      field: split.field.trim(),
      operator: split.operator,
      value: unescapeFieldValue(split.value),
    });
  }
  return fieldSelector(requirements);
}

/** The canonical selector of some terms: sorted by field, operator, value; duplicates dropped. */
export function fieldSelector(requirements: Iterable<FieldRequirement>): FieldSelector {
  const sorted = [...requirements].sort(compareRequirements);
  return sorted.filter((r, i) => i === 0 || compareRequirements(sorted[i - 1]!, r) !== 0);
}

/** The selector `field=value`, as a kubelet uses for `spec.nodeName` (Kubernetes `OneTermEqualSelector`). */
export function oneTermEqualSelector(field: string, value: string): FieldSelector {
  return [{ field, operator: 'Equals', value }];
}

/** The canonical string of a selector, values escaped; `""` selects everything. */
export function printFieldSelector(sel: FieldSelector): string {
  return fieldSelector(sel)
    .map((r) => `${r.field}${r.operator === 'Equals' ? '=' : '!='}${escapeFieldValue(r.value)}`)
    .join(',');
}

/** True when every term holds; `get` returns undefined for a missing field, which counts as `""`. */
export function matchesFields(sel: FieldSelector, get: (field: string) => string | undefined): boolean {
  for (const r of sel) {
    const equal = (get(r.field) ?? '') === r.value;
    if (equal !== (r.operator === 'Equals')) return false;
  }
  return true;
}

/** The terms on one field, so a store can answer `spec.nodeName=n1` from an index instead of a scan. */
export function requirementsFor(sel: FieldSelector, field: string): FieldRequirement[] {
  return sel.filter((r) => r.field === field);
}

/** The value `field` must equal, when the selector pins it (Kubernetes `RequiresExactMatch`). */
export function requiresExactMatch(sel: FieldSelector, field: string): string | undefined {
  return sel.find((r) => r.field === field && r.operator === 'Equals')?.value;
}

/** Throws BadRequest naming the first field that `resource` does not support, as the API server does. */
export function checkFieldsSupported(
  sel: FieldSelector,
  supported: readonly string[],
  resource: string,
): void {
  for (const r of sel) {
    if (supported.includes(r.field)) continue;
    const only = supported.map((f) => JSON.stringify(f)).join(', ');
    const message = `field label not supported: ${r.field} (${JSON.stringify(r.field)} is not a known field selector for ${resource}: only ${only})`;
    throw badRequest(message, [{ reason: 'FieldValueNotSupported', message, field: 'fieldSelector' }]);
  }
}

/** Escapes `\`, `,` and `=` so any string can be a value (Kubernetes `EscapeValue`). */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Undoes `escapeFieldValue`; throws BadRequest on an unknown escape or a bare `,` or `=`. */
export function unescapeFieldValue(value: string): string {
  // The common case, a plain name, costs one scan and no allocation.
  if (!/[\\,=]/.test(value)) return value;
  let out = '';
  let escaped = false;
  for (const c of value) {
    if (escaped) {
      if (c !== '\\' && c !== ',' && c !== '=') {
        throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      escaped = false;
    } else if (c === '\\') {
      escaped = true;
    } else if (c === ',' || c === '=') {
      throw badRequest(`invalid field selector: unescaped character in value: ${c}`);
    } else {
      out += c;
    }
  }
  if (escaped) throw badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Splits on commas that are not escaped, keeping escapes for `unescapeFieldValue`. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (escaped) escaped = false;
    else if (c === '\\') escaped = true;
    else if (c === ',') {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

/** Splits a term at its first operator; field names have no escaping, so the first one wins. */
function splitTerm(term: string): { field: string; operator: FieldOperator; value: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const [symbol, operator] of TERM_OPERATORS) {
      if (term.startsWith(symbol, i))
        return { field: term.slice(0, i), operator, value: term.slice(i + symbol.length) };
    }
  }
  return undefined;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareRequirements(a: FieldRequirement, b: FieldRequirement): number {
  return (
    compareStrings(a.field, b.field) ||
    compareStrings(a.operator, b.operator) ||
    compareStrings(a.value, b.value)
  );
}
