/**
 * Label and field selectors: parsing the kubectl grammars, the manifest object form, and matching.
 */
export * from './field.js';
export * from './label.js';
