/**
 * Reading `-f FILE|DIR|-` as kubectl does: a file, a directory (its `.yaml`, `.yml` and `.json`
 * files, sorted; `-R` walks subdirectories), or stdin; each holding one or more YAML documents
 * (`---`) or JSON values, where a `List` (`kind: List`, or any `FooList` with `items`) stands for
 * its items. Empty documents are skipped, as kubectl skips them.
 *
 * Reading is pure over an injected file system, so the table-driven tests need no disk. What is
 * wrong with one document is reported for that document (kubectl goes on with the others); what is
 * wrong with a path (missing, unreadable) ends the command before anything is sent.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CommandError } from './output/errors.js';

/** One object from a manifest, with where it came from (`web.yaml`, `STDIN`) for error lines. */
export interface Manifest {
  readonly source: string;
  readonly object: ManifestObject;
}

/** An object as a manifest holds it: whatever the user wrote, with at least `apiVersion`, `kind`. */
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name?: string; readonly namespace?: string; readonly [k: string]: unknown };
  readonly [field: string]: unknown;
}

/** A document that could not be read as an object: kubectl reports it and goes on. */
export interface ManifestError {
  readonly source: string;
  readonly message: string;
}

/** Everything `-f` named: the objects in order, and the documents that were not objects. */
export interface ManifestSet {
  readonly manifests: readonly Manifest[];
  readonly errors: readonly ManifestError[];
}

/** The file system `readManifests` reads (the real one by default; a map in tests). */
export interface ManifestFs {
  /** 'file', 'dir', or undefined when the path does not exist. */
  kind(path: string): 'file' | 'dir' | undefined;
  list(dir: string): string[];
  read(path: string): string;
  stdin(): string;
}

/** The real file system and stdin. */
export const nodeFs: ManifestFs = {
  kind(path) {
    try {
      const s = statSync(path);
      return s.isDirectory() ? 'dir' : 'file';
    } catch {
      // A missing path is reported by the caller in kubectl's words.
      return undefined;
    }
  },
  list: (dir) => readdirSync(dir),
  read: (path) => readFileSync(path, 'utf8'),
  stdin: () => readFileSync(0, 'utf8'),
};

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

/** Reads every object `-f` names, in order: files as given, directories sorted by name. */
export function readManifests(
  paths: readonly string[],
  options: { readonly recursive?: boolean; readonly fs?: ManifestFs } = {},
): ManifestSet {
  const fs = options.fs ?? nodeFs;
  if (paths.length === 0) {
    throw new CommandError('must specify one of -f and -k');
  }
  const manifests: Manifest[] = [];
  const errors: ManifestError[] = [];
  const readText = (source: string, text: string) => {
    const set = parseManifests(source, text);
    manifests.push(...set.manifests);
    errors.push(...set.errors);
  };
  for (const path of paths) {
    if (path === '-') {
      readText('STDIN', fs.stdin());
      continue;
    }
    const kind = fs.kind(path);
    if (kind === undefined) throw new CommandError(`the path "${path}" does not exist`);
    if (kind === 'file') {
      readText(path, fs.read(path));
      continue;
    }
    for (const file of filesIn(fs, path, options.recursive ?? false)) readText(file, fs.read(file));
  }
  return { manifests, errors };
}

/** A directory's manifest files, sorted as kubectl walks them; subdirectories only with `-R`. */
function filesIn(fs: ManifestFs, dir: string, recursive: boolean): string[] {
  const out: string[] = [];
  for (const name of [...fs.list(dir)].sort()) {
    const path = join(dir, name);
    const kind = fs.kind(path);
    if (kind === 'dir') {
      if (recursive) out.push(...filesIn(fs, path, recursive));
    } else if (kind === 'file' && MANIFEST_EXTENSIONS.some((ext) => name.endsWith(ext))) {
      out.push(path);
    }
  }
  return out;
}

/** The objects in one text (YAML documents or JSON), Lists expanded, empty documents skipped. */
export function parseManifests(source: string, text: string): ManifestSet {
  const manifests: Manifest[] = [];
  const errors: ManifestError[] = [];
  // JSON is YAML, so one parser reads both; YAML 1.2, so `y`/`on` stay strings as users mean them.
  for (const doc of parseAllDocuments(text)) {
    const [first] = doc.errors;
    if (first) {
      errors.push({ source, message: `error parsing ${source}: ${first.message.split('\n')[0]}` });
      continue;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    for (const item of expandLists(value)) {
      const checked = checkObject(source, item);
      if (typeof checked === 'string') errors.push({ source, message: checked });
      else manifests.push({ source, object: checked });
    }
  }
  return { manifests, errors };
}

/** A `List` (or `XxxList` with `items`) as its items, recursively; anything else as itself. */
function expandLists(value: unknown): unknown[] {
  if (!isObject(value)) return [value];
  const kind = value.kind;
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(value.items)) {
    return value.items.flatMap(expandLists);
  }
  return [value];
}

/** The object, or kubectl's message for what it lacks. */
function checkObject(source: string, value: unknown): ManifestObject | string {
  if (!isObject(value)) {
    return `error validating "${source}": error validating data: the document is not an object`;
  }
  const missing = [
    typeof value.apiVersion === 'string' && value.apiVersion !== '' ? undefined : 'apiVersion not set',
    typeof value.kind === 'string' && value.kind !== '' ? undefined : 'kind not set',
  ].filter((m): m is string => m !== undefined);
  if (missing.length > 0) {
    const list = missing.length === 1 ? missing[0] : `[${missing.join(', ')}]`;
    return `error validating "${source}": error validating data: ${list}`;
  }
  const metadata = isObject(value.metadata) ? value.metadata : {};
  return { ...value, metadata } as ManifestObject;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
