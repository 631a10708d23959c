/**
 * Label selector requirements: the parsed, canonical form of a Kubernetes label selector, and
 * matching and printing it. `label-parse.ts` reads the kubectl string grammar into this form and
 * `label-object.ts` converts the manifest object form (`matchLabels` + `matchExpressions`).
 *
 * Two selectors must never be confused. `Everything` (no requirements: from `""` or `{}`) matches
 * every object; `Nothing` (from a missing selector object) matches none. A workload whose selector
 * is absent must own nothing rather than every pod in its namespace, so `Nothing` has its own shape
 * that survives cloning and JSON, and no string form: `printLabelSelector` does not accept it.
 *
 * Matching runs for every object of every list and watch, so the parsed form is canonical and
 * precomputed once (sorted values, a `Set` per requirement), and `matchesLabels` allocates nothing.
 */
import { badRequest } from '../errors.js';
import { isQualifiedName, isValidLabelValue } from '../validation/names.js';

/** Kubernetes' `selection.Operator`; `Equals` and `DoubleEquals` match alike but print as written. */
export type LabelOperator =
  | 'In'
  | 'NotIn'
  | 'Equals'
  | 'DoubleEquals'
  | 'NotEquals'
  | 'GreaterThan'
  | 'LessThan'
  | 'Exists'
  | 'DoesNotExist';

// The canonical order of requirements on one key, and the set of valid operators.
const OPERATORS: readonly LabelOperator[] = [
  'In',
  'NotIn',
  'Equals',
  'DoubleEquals',
  'NotEquals',
  'GreaterThan',
  'LessThan',
  'Exists',
  'DoesNotExist',
];
const OPERATOR_RANK: ReadonlyMap<string, number> = new Map(OPERATORS.map((op, i) => [op, i]));

/** One condition on one label key; build it with `requirement()`, which validates and precomputes. */
export interface Requirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Sorted, without duplicates: one value for equality and comparisons, none for (Does)Exist(s). */
  readonly values: readonly string[];
  /** `values` as a set, built once so an `In` over many values costs one lookup per object. */
  readonly valueSet: ReadonlySet<string>;
}

/** Requirements that must all hold (AND); empty matches every object. */
export type LabelSelector = readonly Requirement[];

/** The selector of an absent selector object: matches no object at all. */
export interface NothingSelector {
  readonly nothing: true;
}

/** Anything `matchesLabels` accepts: requirements, or `Nothing`. */
export type Selector = LabelSelector | NothingSelector;

/** The empty selector: matches every object. */
export const Everything: LabelSelector = Object.freeze([]);

/** The selector of a missing selector object: matches no object. */
export const Nothing: NothingSelector = Object.freeze({ nothing: true });

/** True for `Nothing` (and its clones), which matches no object. */
export function isNothing(sel: Selector): sel is NothingSelector {
  return !Array.isArray(sel);
}

/** True for a selector with no requirements, which matches every object. */
export function isEverything(sel: Selector): boolean {
  return Array.isArray(sel) && sel.length === 0;
}

// ---------------------------------------------------------------------------------------------
// Requirements

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Parses a base-10 int64 the way Go's `strconv.ParseInt` does, or undefined. */
function parseInt64(text: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const n = BigInt(text);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/** Problems with a requirement, in Kubernetes' words (`labels.NewRequirement`); empty when valid. */
export function requirementErrors(key: string, operator: LabelOperator, values: readonly string[]): string[] {
  const errors: string[] = [];
  const keyErrors = isQualifiedName(key);
  if (keyErrors.length > 0) errors.push(`invalid label key "${key}": ${keyErrors.join('; ')}`);
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errors.push("for 'in', 'notin' operators, values set can't be empty");
      break;
    case 'Equals':
    case 'DoubleEquals':
    case 'NotEquals':
      if (values.length !== 1) errors.push('exact-match compatibility requires one single value');
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length !== 0) errors.push('values set must be empty for exists and does not exist');
      break;
    case 'GreaterThan':
    case 'LessThan':
      if (values.length !== 1) errors.push("for 'Gt', 'Lt' operators, exactly one value is required");
      for (const v of values) {
        if (parseInt64(v) === undefined)
          errors.push("for 'Gt', 'Lt' operators, the value must be an integer");
      }
      break;
    default:
      errors.push(`operator '${String(operator)}' is not recognized`);
  }
  for (const v of values) {
    const valueErrors = isValidLabelValue(v);
    if (valueErrors.length > 0) errors.push(`invalid label value "${v}": ${valueErrors.join('; ')}`);
  }
  return errors;
}

/** Builds a validated requirement with sorted values; throws BadRequest when it is invalid. */
export function requirement(
  key: string,
  operator: LabelOperator,
  values: readonly string[] = [],
): Requirement {
  const errors = requirementErrors(key, operator, values);
  if (errors.length > 0) throw badRequest(errors.join('; '));
  const valueSet = new Set(values);
  return { key, operator, values: [...valueSet].sort(compareStrings), valueSet };
}

/** The canonical selector of some requirements: sorted by key, operator, values; duplicates dropped. */
export function labelSelector(requirements: Iterable<Requirement>): LabelSelector {
  const sorted = [...requirements].sort(compareRequirements);
  return sorted.filter((r, i) => i === 0 || compareRequirements(sorted[i - 1]!, r) !== 0);
}

/** A selector requiring each label of `labels` to have exactly its value (Kubernetes `SelectorFromSet`). */
export function selectorFromSet(labels: Readonly<Record<string, string>>): LabelSelector {
  return labelSelector(Object.entries(labels).map(([key, value]) => requirement(key, 'Equals', [value])));
}

// Plain code-unit order, like Go's byte-wise string comparison for the ASCII that keys allow;
// localeCompare would make the canonical form depend on the machine's locale.
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareRequirements(a: Requirement, b: Requirement): number {
  return (
    compareStrings(a.key, b.key) ||
    OPERATOR_RANK.get(a.operator)! - OPERATOR_RANK.get(b.operator)! ||
    compareStrings(a.values.join(','), b.values.join(','))
  );
}

// ---------------------------------------------------------------------------------------------
// Matching

/** True when `labels` satisfy every requirement; `Nothing` matches nothing, `Everything` everything. */
export function matchesLabels(sel: Selector, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (isNothing(sel)) return false;
  for (const r of sel) {
    if (!matchesRequirement(r, labels)) return false;
  }
  return true;
}

/** True when `labels` satisfy one requirement (Kubernetes `Requirement.Matches`). */
export function matchesRequirement(
  r: Requirement,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  // `typeof` rather than `in`: a key such as `constructor` must not find Object.prototype's.
  const value = labels?.[r.key];
  const has = typeof value === 'string';
  switch (r.operator) {
    case 'In':
    case 'Equals':
    case 'DoubleEquals':
      return has && r.valueSet.has(value);
    case 'NotIn':
    case 'NotEquals':
      return !has || !r.valueSet.has(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'GreaterThan':
    case 'LessThan': {
      // A label that is not an integer never satisfies a comparison, as in Kubernetes.
      const actual = has ? parseInt64(value) : undefined;
      const bound = parseInt64(r.values[0] ?? '');
      if (actual === undefined || bound === undefined) return false;
      return r.operator === 'GreaterThan' ? actual > bound : actual < bound;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Printing

const OPERATOR_SYMBOLS: Readonly<Record<LabelOperator, string>> = {
  In: ' in ',
  NotIn: ' notin ',
  Equals: '=',
  DoubleEquals: '==',
  NotEquals: '!=',
  GreaterThan: '>',
  LessThan: '<',
  Exists: '',
  DoesNotExist: '',
};

/** The kubectl form of one requirement: `app=web`, `env in (a,b)`, `!canary`. */
export function printRequirement(r: Requirement): string {
  switch (r.operator) {
    case 'Exists':
      return r.key;
    case 'DoesNotExist':
      return `!${r.key}`;
    case 'In':
    case 'NotIn':
      return `${r.key}${OPERATOR_SYMBOLS[r.operator]}(${r.values.join(',')})`;
    default:
      return `${r.key}${OPERATOR_SYMBOLS[r.operator]}${r.values[0] ?? ''}`;
  }
}

/** The canonical kubectl string of a selector (sorted requirements); `""` for `Everything`. */
export function printLabelSelector(sel: LabelSelector): string {
  return labelSelector(sel).map(printRequirement).join(',');
}
