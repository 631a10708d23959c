/**
 * The manifest form of a label selector (meta/v1 `LabelSelector`: `matchLabels` ANDed with
 * `matchExpressions`), its validation with field paths, and conversion to and from the parsed form.
 * A null or absent object selects nothing; `{}` selects everything.
 */
import { badRequest } from '../errors.js';
import {
  type FieldError,
  forbiddenField,
  invalidValue,
  notSupported,
  required,
  typeInvalid,
} from '../validation/field-errors.js';
import { isQualifiedName, isValidLabelValue } from '../validation/names.js';
import {
  Everything,
  isNothing,
  labelSelector,
  Nothing,
  printRequirement,
  type Requirement,
  requirement,
  type Selector,
} from './requirement.js';

/** Operators allowed in `matchExpressions` of a manifest. */
export type LabelSelectorObjectOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
const OBJECT_OPERATORS: readonly LabelSelectorObjectOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** One entry of `matchExpressions` (meta/v1 `LabelSelectorRequirement`). */
export interface LabelSelectorRequirementObject {
  readonly key: string;
  readonly operator: LabelSelectorObjectOperator;
  readonly values?: readonly string[];
}

/** The manifest form of a selector (meta/v1 `LabelSelector`). */
export interface LabelSelectorObject {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirementObject[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function child(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

/** Problems with a manifest selector object, with field paths under `path` (meta/v1 `ValidateLabelSelector`). */
export function validateLabelSelectorObject(obj: unknown, path: string): FieldError[] {
  // An absent selector is valid here: whether one is required is the resource's decision.
  if (obj === null || obj === undefined) return [];
  if (!isRecord(obj)) return [typeInvalid(path, obj, 'object')];
  const errors: FieldError[] = [];

  const labelsPath = child(path, 'matchLabels');
  const matchLabels = obj.matchLabels;
  if (matchLabels !== undefined && matchLabels !== null) {
    if (!isRecord(matchLabels)) errors.push(typeInvalid(labelsPath, matchLabels, 'object'));
    else {
      for (const [key, value] of Object.entries(matchLabels)) {
        // Kubernetes reports both key and value problems at `matchLabels` itself.
        for (const m of isQualifiedName(key)) errors.push(invalidValue(labelsPath, key, m));
        if (typeof value !== 'string') errors.push(typeInvalid(`${labelsPath}[${key}]`, value, 'string'));
        else for (const m of isValidLabelValue(value)) errors.push(invalidValue(labelsPath, value, m));
      }
    }
  }

  const exprsPath = child(path, 'matchExpressions');
  const exprs = obj.matchExpressions;
  if (exprs !== undefined && exprs !== null) {
    if (!Array.isArray(exprs)) errors.push(typeInvalid(exprsPath, exprs, 'array'));
    else {
      for (const [i, expr] of exprs.entries()) errors.push(...validateExpression(expr, `${exprsPath}[${i}]`));
    }
  }
  return errors;
}

/** Problems with one `matchExpressions` entry (meta/v1 `ValidateLabelSelectorRequirement`). */
function validateExpression(expr: unknown, path: string): FieldError[] {
  if (!isRecord(expr)) return [typeInvalid(path, expr, 'object')];
  const errors: FieldError[] = [];
  const { key, operator, values } = expr;
  const valuesPath = `${path}.values`;

  if (values !== undefined && values !== null && !Array.isArray(values)) {
    errors.push(typeInvalid(valuesPath, values, 'array'));
  }
  const list: readonly unknown[] = Array.isArray(values) ? values : [];
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (list.length === 0) {
        errors.push(required(valuesPath, "must be specified when `operator` is 'In' or 'NotIn'"));
      }
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (list.length > 0) {
        errors.push(
          forbiddenField(valuesPath, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
        );
      }
      break;
    default:
      if (operator === undefined || operator === '') errors.push(required(`${path}.operator`));
      else errors.push(notSupported(`${path}.operator`, operator, OBJECT_OPERATORS));
  }

  if (key === undefined || key === '') errors.push(required(`${path}.key`));
  else if (typeof key !== 'string') errors.push(typeInvalid(`${path}.key`, key, 'string'));
  else for (const m of isQualifiedName(key)) errors.push(invalidValue(`${path}.key`, key, m));

  list.forEach((value, i) => {
    if (typeof value !== 'string') errors.push(typeInvalid(`${valuesPath}[${i}]`, value, 'string'));
    else for (const m of isValidLabelValue(value)) errors.push(invalidValue(`${valuesPath}[${i}]`, value, m));
  });
  return errors;
}

/**
 * Converts a manifest selector object (meta/v1 `LabelSelectorAsSelector`): null or undefined is
 * `Nothing`, `{}` is `Everything`. Throws BadRequest, naming the fields under `path`, when invalid.
 */
export function fromLabelSelectorObject(
  obj: LabelSelectorObject | null | undefined,
  path = 'selector',
): Selector {
  if (obj === null || obj === undefined) return Nothing;
  const errors = validateLabelSelectorObject(obj, path);
  if (errors.length > 0) {
    throw badRequest(
      `invalid label selector: ${errors.map((e) => e.message).join('; ')}`,
      errors.map((e) => ({ reason: e.type, message: e.detailMessage, field: e.field })),
    );
  }
  const requirements: Requirement[] = [];
  for (const [key, value] of Object.entries(obj.matchLabels ?? {})) {
    requirements.push(requirement(key, 'Equals', [value]));
  }
  for (const expr of obj.matchExpressions ?? []) {
    requirements.push(requirement(expr.key, expr.operator, expr.values ?? []));
  }
  return requirements.length === 0 ? Everything : labelSelector(requirements);
}

/**
 * The manifest form of a selector: `Nothing` becomes null, equality goes to `matchLabels`, the rest
 * to `matchExpressions`. Throws BadRequest for `>` and `<`, which the object form cannot express.
 */
export function toLabelSelectorObject(sel: Selector): LabelSelectorObject | null {
  if (isNothing(sel)) return null;
  const matchLabels: Record<string, string> = {};
  const matchExpressions: LabelSelectorRequirementObject[] = [];
  for (const r of sel) {
    switch (r.operator) {
      case 'Equals':
      case 'DoubleEquals': {
        const value = r.values[0] ?? '';
        // matchLabels holds one value per key; `a=x,a=y` keeps its second half as an expression.
        if (Object.hasOwn(matchLabels, r.key) && matchLabels[r.key] !== value) {
          matchExpressions.push({ key: r.key, operator: 'In', values: [value] });
        } else matchLabels[r.key] = value;
        break;
      }
      case 'NotEquals':
        matchExpressions.push({ key: r.key, operator: 'NotIn', values: [...r.values] });
        break;
      case 'In':
      case 'NotIn':
        matchExpressions.push({ key: r.key, operator: r.operator, values: [...r.values] });
        break;
      case 'Exists':
      case 'DoesNotExist':
        matchExpressions.push({ key: r.key, operator: r.operator });
        break;
      case 'GreaterThan':
      case 'LessThan':
        throw badRequest(
          `${JSON.stringify(printRequirement(r))}: operator ${r.operator} has no LabelSelector object form`,
        );
    }
  }
  return {
    ...(Object.keys(matchLabels).length > 0 ? { matchLabels } : {}),
    ...(matchExpressions.length > 0 ? { matchExpressions } : {}),
  };
}
