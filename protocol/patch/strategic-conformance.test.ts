/**
 * apimachinery's own strategic merge patch test cases (pkg/util/strategicpatch/patch_test.go),
 * run against the port with the same test schema (`MergeItem`). Passing them is what "behaves like
 * a real cluster" means for the algorithms; the Skiff kinds' tables are tested in strategic.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import { deduplicateScalars, sortScalars } from './list-order.js';
import { strategicMergeFor } from './strategic.js';
import { childSchema, type FieldStrategy, fieldStrategy, type Schema } from './strategies.js';

interface Case {
  description: string;
  original?: JsonObject | null;
  twoWay?: JsonObject | null;
  modified?: JsonObject | null;
  current?: JsonObject | null;
  threeWay?: JsonObject | null;
  result?: JsonObject | null;
  twoWayResult?: JsonObject | null;
  expectedError?: string;
}

const cases = JSON.parse(
  readFileSync(new URL('./testing/apimachinery-cases.json', import.meta.url), 'utf8'),
) as Record<'custom' | 'create' | 'customRaw' | 'raw', Case[]>;

/** The struct tags of apimachinery's `MergeItem` and `RetainKeysMergeItem`, unrolled a few levels deep. */
function mergeItemSchema(): Schema {
  const table: Record<string, FieldStrategy> = {};
  const byName: FieldStrategy = { strategy: 'merge', mergeKey: 'name' };
  const at = (prefix: string, field: string): string => (prefix === '' ? field : `${prefix}.${field}`);
  const retainKeysItem = (prefix: string, depth: number): void => {
    table[at(prefix, 'mergingIntList')] = { strategy: 'merge' };
    table[at(prefix, 'mergingList')] = byName;
    mergeItem(at(prefix, 'mergingList'), depth - 1);
    mergeItem(at(prefix, 'nonMergingList'), depth - 1);
  };
  const mergeItem = (prefix: string, depth: number): void => {
    if (depth <= 0) return;
    table[at(prefix, 'mergingList')] = byName;
    mergeItem(at(prefix, 'mergingList'), depth - 1);
    mergeItem(at(prefix, 'nonMergingList'), depth - 1);
    table[at(prefix, 'mergingIntList')] = { strategy: 'merge' };
    table[at(prefix, 'mergeItemPtr')] = byName;
    mergeItem(at(prefix, 'mergeItemPtr'), depth - 1);
    table[at(prefix, 'replacingItem')] = { strategy: 'replace' };
    table[at(prefix, 'retainKeysMap')] = { retainKeys: true };
    retainKeysItem(at(prefix, 'retainKeysMap'), depth - 1);
    table[at(prefix, 'retainKeysMergingList')] = { strategy: 'merge', mergeKey: 'name', retainKeys: true };
    mergeItem(at(prefix, 'retainKeysMergingList'), depth - 1);
  };
  mergeItem('', 4);
  return { kind: 'MergeItem', table, path: '' };
}

const schema = mergeItemSchema();
const smp = strategicMergeFor(schema);

/** apimachinery's `sortMergeListsByName`: the YAML cases compare merged lists in merge-key order. */
function sorted(value: JsonObject, at: Schema = schema): JsonObject {
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === '$retainKeys' || key.startsWith('$deleteFromPrimitiveList/')) {
      out[key] = sortScalars(v as JsonValue[]);
    } else if (key.startsWith('$') || !(isJsonObject(v) || Array.isArray(v))) {
      out[key] = v;
    } else if (isJsonObject(v)) {
      out[key] = sorted(v, childSchema(at, key));
    } else {
      const { strategy, mergeKey } = fieldStrategy(at, key);
      out[key] = strategy === 'merge' ? sortedList(v, childSchema(at, key), mergeKey ?? '') : v;
    }
  }
  return out;
}

function sortedList(list: JsonValue[], at: Schema, mergeKey: string): JsonValue[] {
  if (!list.every(isJsonObject)) return sortScalars(deduplicateScalars(list));
  const items = list.map((item) => sorted(item as JsonObject, at));
  return items.sort((a, b) => (String(a[mergeKey]) < String(b[mergeKey]) ? -1 : 1));
}

const doc = (value: JsonObject | null | undefined): JsonObject => value ?? {};

describe('apimachinery cases, YAML (merged lists compared in merge-key order)', () => {
  it.each(cases.create.map((c) => [c.description, c] as const))('%s: two-way', (_, c) => {
    const patch = smp.twoWay(sorted(doc(c.original)), sorted(doc(c.modified)));
    expect(sorted(patch)).toEqual(sorted(doc(c.twoWay)));
    const applied = smp.apply(sorted(doc(c.original)), patch);
    expect(sorted(applied)).toEqual(sorted(doc(c.twoWayResult ?? c.modified)));
  });

  // Cases named "conflict" expect kubectl's --overwrite=false refusal first; Skiff's apply always
  // overwrites (kubectl's default), which these cases then check with their forced result.
  it.each(cases.create.filter((c) => c.result).map((c) => [c.description, c] as const))(
    '%s: three-way',
    (_, c) => {
      const patch = smp.threeWay(sorted(doc(c.original)), sorted(doc(c.modified)), sorted(doc(c.current)));
      expect(sorted(patch)).toEqual(sorted(doc(c.threeWay)));
      expect(sorted(smp.apply(sorted(doc(c.current)), patch))).toEqual(sorted(doc(c.result)));
    },
  );

  it.each(cases.custom.map((c) => [c.description, c] as const))('%s: apply', (_, c) => {
    const applied = smp.apply(sorted(doc(c.original)), sorted(doc(c.twoWay)));
    expect(sorted(applied)).toEqual(sorted(doc(c.twoWayResult ?? c.modified)));
  });
});

describe('apimachinery cases, raw (order matters)', () => {
  it.each(cases.raw.map((c) => [c.description, c] as const))('%s: two-way', (_, c) => {
    const patch = smp.twoWay(doc(c.original), doc(c.modified));
    expect(patch).toEqual(doc(c.twoWay));
    expect(smp.apply(doc(c.original), patch)).toEqual(doc(c.twoWayResult ?? c.modified));
  });

  it.each(cases.raw.map((c) => [c.description, c] as const))('%s: three-way', (_, c) => {
    const patch = smp.threeWay(doc(c.original), doc(c.modified), doc(c.current));
    expect(patch).toEqual(doc(c.threeWay));
    expect(smp.apply(doc(c.current), patch)).toEqual(doc(c.result));
  });

  it.each(cases.customRaw.map((c) => [c.description, c] as const))('%s: apply', (_, c) => {
    const run = (): JsonObject => smp.apply(doc(c.original), doc(c.twoWay));
    if (c.expectedError === undefined) {
      expect(run()).toEqual(doc(c.modified));
    } else {
      expect(run).toThrow(ApiError);
      expect(run).toThrow(c.expectedError);
    }
  });
});
