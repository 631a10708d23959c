/**
 * The layering rules (STYLE.md, "Layers"), checked over the import graph of the source tree:
 *
 *   cli/  bench/  integration/        entry points and tests: may import anything below
 *   actors/<component>/               apiserver, scheduler, controllers/<name>, kubelet, proxy
 *   actors/kernel/                    runtime, supervision, Bus implementations
 *   protocol/                         wire contract + SDK: imports nothing above it
 *
 * Production files only: a test, a `testing/` helper or a `*contract.ts` suite may reach across
 * (they are entry points too), but production code never imports them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One import that breaks a rule, with the rule it breaks. */
export interface LayerViolation {
  readonly file: string;
  readonly imports: string;
  readonly rule: string;
}

/** True for tests and test support, which the rules do not bind. */
export function isTestSupport(file: string): boolean {
  return /\.test\.ts$/.test(file) || /(^|\/)testing(\/|\.ts$)/.test(file) || /contract\.ts$/.test(file);
}

/** The component an `actors/` file belongs to: `kernel`, `apiserver`, `controllers/<name>`, ... */
function component(file: string): string | undefined {
  const parts = file.split('/');
  if (parts[0] !== 'actors') return undefined;
  return parts[1] === 'controllers' ? `controllers/${parts[2]}` : parts[1];
}

/** The rule `from` importing `to` breaks, if any (both paths relative to the repository root). */
export function layerRule(from: string, to: string): string | undefined {
  // Tests, benchmarks and integration suites are entry points: they may use anything, test support too.
  if (isTestSupport(from) || ['bench', 'integration'].includes(from.split('/')[0] ?? '')) return undefined;
  if (isTestSupport(to)) return 'production code never imports tests or test support';
  const top = (f: string) => f.split('/')[0];
  if (top(from) === 'protocol' && top(to) !== 'protocol') return 'protocol/ imports nothing above it';
  if (top(from) === 'actors') {
    if (['cli', 'integration', 'bench'].includes(top(to) ?? '')) return 'actors/ never import entry points';
    const a = component(from);
    const b = component(to);
    if (b !== undefined && a !== b) {
      if (a === 'kernel') return 'actors/kernel/ imports no component';
      // The controller manager runs every controller: it may import each one's public face.
      if (a === 'controllers/manager' && /^actors\/controllers\/[^/]+\/controller\.ts$/.test(to)) {
        return undefined;
      }
      if (b !== 'kernel') return `actors/${a}/ never imports another component's internals (${b})`;
    }
    // The API server speaks the wire contract, not the SDK built on it.
    if (a === 'apiserver' && to.startsWith('protocol/client/')) return 'the API server does not use the SDK';
  }
  return undefined;
}

/** Relative import specifiers of a TypeScript source (static, type-only and dynamic imports, re-exports). */
export function importsOf(source: string): string[] {
  const specs: string[] = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(?\s*)'(\.[^']+)'/g;
  for (const m of source.matchAll(pattern)) specs.push(m[1] as string);
  return specs;
}

/** Every violation in the tree under `root` (source folders only). */
export function findViolations(
  root: string,
  folders = ['protocol', 'actors', 'cli', 'bench', 'integration'],
): LayerViolation[] {
  const violations: LayerViolation[] = [];
  for (const folder of folders) {
    for (const file of walk(path.join(root, folder))) {
      const rel = path.relative(root, file);
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        const target = path.relative(root, path.resolve(path.dirname(file), spec)).replace(/\.js$/, '.ts');
        const rule = layerRule(rel, target);
        if (rule) violations.push({ file: rel, imports: target, rule });
      }
    }
  }
  return violations;
}

function walk(dir: string): string[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return []; // a folder that does not exist (yet) holds nothing to check
  }
  return entries.flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : walk(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/** Production files that declare an error class anywhere but `protocol/errors.ts` (its one home). */
export function findStrayErrorClasses(root: string, folders = ['protocol', 'actors', 'cli']): string[] {
  const stray: string[] = [];
  for (const folder of folders) {
    for (const file of walk(path.join(root, folder))) {
      const rel = path.relative(root, file);
      if (rel === 'protocol/errors.ts' || isTestSupport(rel)) continue;
      if (/^\s*(export\s+)?class\s+\w+Error\s+extends\b/m.test(readFileSync(file, 'utf8'))) stray.push(rel);
    }
  }
  return stray;
}
