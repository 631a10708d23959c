/**
 * `skiff wait`: kubectl's `--for` conditions and `--timeout` durations, as pure functions: what the
 * flag asks, and whether an object meets it.
 */
import { CommandError } from './errors.js';
import { type JsonPathTemplate, parseJsonPath, printValue, selectJsonPath } from './jsonpath.js';

/** What `--for` waits for. */
export type WaitCondition =
  | { readonly kind: 'delete' }
  | { readonly kind: 'condition'; readonly type: string; readonly status: string }
  | {
      readonly kind: 'jsonpath';
      readonly path: string;
      readonly value: string | undefined;
      readonly template: JsonPathTemplate;
    };

/** Parses `--for`: `delete`, `condition=Ready`, `condition=Ready=False`, `jsonpath={.status.phase}=Running`. */
export function parseWaitFor(value: string): WaitCondition {
  if (value.toLowerCase() === 'delete') return { kind: 'delete' };
  if (value.startsWith('condition=')) {
    const rest = value.slice('condition='.length);
    const eq = rest.indexOf('=');
    const type = eq < 0 ? rest : rest.slice(0, eq);
    const status = eq < 0 ? 'True' : rest.slice(eq + 1);
    if (type === '') throw new CommandError(`unrecognized condition: "${value}"`);
    return { kind: 'condition', type, status };
  }
  if (value.startsWith('jsonpath=')) {
    const rest = value.slice('jsonpath='.length);
    const close = rest.lastIndexOf('}');
    const path = close >= 0 ? rest.slice(0, close + 1) : (rest.split('=')[0] ?? '');
    const tail = rest.slice(path.length);
    const expected = tail.startsWith('=') ? tail.slice(1) : undefined;
    if (path === '')
      throw new CommandError("jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3");
    return { kind: 'jsonpath', path, value: expected, template: parseJsonPath(path) };
  }
  throw new CommandError(`unrecognized condition: "${value}"`);
}

/** Whether an object meets a condition (never true for `delete`: only absence meets it). */
export function conditionMet(condition: WaitCondition, obj: unknown): boolean {
  switch (condition.kind) {
    case 'delete':
      return false;
    case 'condition': {
      const conditions = ((obj as { status?: { conditions?: unknown } })?.status?.conditions ?? []) as {
        type?: string;
        status?: string;
      }[];
      if (!Array.isArray(conditions)) return false;
      return conditions.some(
        (c) =>
          c.type?.toLowerCase() === condition.type.toLowerCase() &&
          c.status?.toLowerCase() === condition.status.toLowerCase(),
      );
    }
    case 'jsonpath': {
      const values = selectJsonPath(condition.path, obj);
      if (condition.value === undefined) return values.length > 0;
      return values.length > 0 && values.every((v) => printValue(v) === condition.value);
    }
  }
}

/** kubectl's durations for `--timeout`: `30s`, `1m30s`, `500ms`, `2h`, a bare number of seconds; 0 checks once. */
export function parseDuration(value: string): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = value;
  while (rest !== '') {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m) throw new CommandError(`invalid duration "${value}"`);
    total += Number(m[1]) * (units[m[2] as string] as number);
    rest = rest.slice(m[0].length);
  }
  return total;
}
