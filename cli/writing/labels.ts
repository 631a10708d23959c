/**
 * `label` and `annotate` as kubectl plans them: arguments `k=v` (set) and `k-` (remove), checked
 * against the object's current map, giving the merge patch to send and the words to print.
 */
import { CommandError } from '../output/errors.js';

/** What the `k=v` / `k-` arguments ask for. */
export interface MapChanges {
  readonly set: ReadonlyMap<string, string>;
  readonly remove: readonly string[];
}

/** Which map: labels or annotations (they differ only in their words). */
export type MapKind = 'label' | 'annotation';

/** Splits `k=v` and `k-` arguments; kubectl's errors for anything else and for none at all. */
export function parseMapChanges(args: readonly string[], kind: MapKind): MapChanges {
  const set = new Map<string, string>();
  const remove: string[] = [];
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq > 0) set.set(arg.slice(0, eq), arg.slice(eq + 1));
    else if (arg.endsWith('-') && arg.length > 1) remove.push(arg.slice(0, -1));
    else throw new CommandError(`invalid ${kind} spec: ${arg}`);
  }
  if (set.size === 0 && remove.length === 0)
    throw new CommandError(`at least one ${kind} update is required`);
  for (const key of remove) {
    if (set.has(key)) throw new CommandError(`can not both modify and remove ${kind} in the same command`);
  }
  return { set, remove };
}

/** The plan for one object: the patch of its map (null removes a key) and what to print. */
export interface MapPlan {
  /** `{key: value | null}`; empty when nothing changes. */
  readonly patch: Readonly<Record<string, string | null>>;
  /** `labeled`, `unlabeled`, `not labeled`, or `annotated`. */
  readonly verb: string;
  /** kubectl's stdout notes, as `label "app" not found.` */
  readonly notes: readonly string[];
}

/**
 * Plans the change of `current` (the object's labels or annotations). Changing an existing value
 * without `overwrite` is kubectl's refusal.
 */
export function planMapChange(
  current: Readonly<Record<string, string>>,
  changes: MapChanges,
  options: { readonly kind: MapKind; readonly overwrite: boolean },
): MapPlan {
  const clashes = [...changes.set].filter(([k, v]) => k in current && current[k] !== v);
  if (!options.overwrite && clashes.length > 0) {
    if (options.kind === 'label') {
      const [key] = clashes[0] as [string, string];
      throw new CommandError(`'${key}' already has a value (${current[key]}), and --overwrite is false`);
    }
    const found = clashes.map(([k]) => `'${k}' already has a value (${current[k]})`).join(', ');
    throw new CommandError(`--overwrite is false but found the following declared annotation(s): ${found}`);
  }
  const patch: Record<string, string | null> = {};
  const notes: string[] = [];
  for (const [k, v] of changes.set) if (current[k] !== v) patch[k] = v;
  for (const k of changes.remove) {
    if (k in current) patch[k] = null;
    else if (options.kind === 'label') notes.push(`label "${k}" not found.`);
  }
  if (options.kind === 'annotation') return { patch, verb: 'annotated', notes };
  // kubectl: "unlabeled" when the map shrank (and --overwrite was not given), else "labeled".
  const changed = Object.keys(patch).length > 0;
  const shrank =
    Object.values(patch).some((v) => v === null) && !Object.values(patch).some((v) => v !== null);
  const verb = !changed ? 'not labeled' : shrank && !options.overwrite ? 'unlabeled' : 'labeled';
  return { patch, verb, notes };
}
