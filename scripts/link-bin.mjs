// Puts this checkout's own `skiff` on node_modules/.bin, so `npx skiff <verb>` runs the built CLI
// at once. Without it npx finds no local `skiff` bin (a package is not in its own node_modules)
// and installs a copy of the package into its cache, building it, on every call (~8 s or more).
// Run by `npm install` / `npm ci` (the `prepare` script), after the build.
import { chmodSync, lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const binDir = path.join(root, 'node_modules', '.bin');
const link = path.join(binDir, 'skiff');
const target = path.relative(binDir, path.join(root, 'bin', 'run.js'));

mkdirSync(binDir, { recursive: true });
chmodSync(path.join(root, 'bin', 'run.js'), 0o755);
let current;
try {
  current = lstatSync(link).isSymbolicLink() ? readlinkSync(link) : 'not a link';
} catch {
  current = undefined; // no link yet
}
if (current !== target) {
  rmSync(link, { force: true });
  symlinkSync(target, link);
}
console.log(`skiff: ${link} -> ${target}`);
