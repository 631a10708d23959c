/**
 * Which objects a list or watch selects: a label selector and a field selector over one resource,
 * compiled once. Also the "selectable summary" of an object (its labels and selectable fields),
 * which watch events carry for the previous version of an object, so any watcher can tell that an
 * object stopped or started matching and report it as DELETED or ADDED, as Kubernetes does.
 */
import { badRequest } from '../errors.js';
import { type AnyObject, COMMON_FIELD_SELECTORS, type ResourceType } from '../resources/registry.js';
import {
  checkFieldsSupported,
  type FieldSelector,
  matchesFields,
  parseFieldSelector,
  requiresExactMatch,
} from './field.js';
import { isEverything, type LabelSelector, matchesLabels, parseLabelSelector } from './label.js';

/** An object's labels and selectable field values: enough to evaluate any selector on it. */
export interface SelectableSummary {
  readonly labels?: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, string>>;
}

/** A compiled selection over one resource. */
export interface Selection {
  readonly type: ResourceType;
  readonly everything: boolean;
  readonly labels: LabelSelector;
  readonly fields: FieldSelector;
  matches(obj: AnyObject): boolean;
  matchesSummary(summary: SelectableSummary): boolean;
  /** The value a field selector pins exactly (`spec.nodeName=n1` → 'n1'), for index lookups. */
  exact(field: string): string | undefined;
}

/** Compiles selectors for one resource; throws BadRequest for bad syntax or unsupported fields. */
export function compileSelection(
  type: ResourceType,
  labelSelector?: string,
  fieldSelector?: string,
): Selection {
  const labels = labelSelector ? parseLabelSelector(labelSelector) : [];
  const fields = fieldSelector ? parseFieldSelector(fieldSelector) : [];
  checkFieldsSupported(fields, [...COMMON_FIELD_SELECTORS, ...type.fieldSelectors], type.plural);
  const everything = isEverything(labels) && fields.length === 0;
  return {
    type,
    everything,
    labels,
    fields,
    matches: (obj) =>
      everything ||
      (matchesLabels(labels, obj.metadata.labels) && matchesFields(fields, (f) => type.fieldValue(obj, f))),
    matchesSummary: (summary) =>
      everything ||
      (matchesLabels(labels, summary.labels) && matchesFields(fields, (f) => summary.fields[f])),
    exact: (field) => requiresExactMatch(fields, field),
  };
}

/** The labels and every selectable field of an object. */
export function summarize(type: ResourceType, obj: AnyObject): SelectableSummary {
  const fields: Record<string, string> = {};
  for (const field of [...COMMON_FIELD_SELECTORS, ...type.fieldSelectors]) {
    const value = type.fieldValue(obj, field);
    if (value !== undefined && value !== '') fields[field] = value;
  }
  return obj.metadata.labels ? { labels: obj.metadata.labels, fields } : { fields };
}

/** How a watch event reads through a selection: as sent, re-typed, or not at all. */
export function selectEvent(
  selection: Selection,
  type: 'ADDED' | 'MODIFIED' | 'DELETED',
  object: AnyObject,
  previous: SelectableSummary | undefined,
): 'ADDED' | 'MODIFIED' | 'DELETED' | undefined {
  if (selection.everything) return type;
  const now = selection.matches(object);
  if (type !== 'MODIFIED') return now ? type : undefined;
  // Without a summary of the previous version, assume it matched as the new one does.
  const before = previous ? selection.matchesSummary(previous) : now;
  if (now && before) return 'MODIFIED';
  if (now) return 'ADDED';
  if (before) return 'DELETED';
  return undefined;
}

/** Throws BadRequest unless `value` is a non-negative integer (limit query parameters). */
export function parseLimit(value: string | number | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw badRequest(`limit must be a non-negative integer, got ${value}`);
  return n;
}
