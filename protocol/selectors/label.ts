/**
 * Kubernetes label selectors, in one import: the parsed form and matching (`requirement.ts`), the
 * kubectl string grammar (`label-parse.ts`), and the manifest object form (`label-object.ts`).
 */
export * from './label-object.js';
export * from './label-parse.js';
export * from './requirement.js';
