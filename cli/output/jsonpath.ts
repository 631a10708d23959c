/**
 * kubectl's JSONPath templates (`-o jsonpath=…`, and each column of `-o custom-columns`): text
 * with `{expressions}`: `{.metadata.name}`, `{.items[*].metadata.name}`, `{.items[0]}`,
 * `{.status.conditions[?(@.type=="Ready")].status}`, `{..image}`, `{range .items[*]}…{end}` and
 * string literals `{"\n"}`. Several results of one expression print space-separated, maps and
 * lists as JSON, and a missing key prints nothing (kubectl get's allowMissingKeys).
 */
import { CommandError } from './errors.js';

type Step =
  | { readonly op: 'field'; readonly name: string }
  | { readonly op: 'wildcard' }
  | { readonly op: 'recursive'; readonly name: string | undefined }
  | {
      readonly op: 'index';
      readonly start: number | undefined;
      readonly end: number | undefined;
      readonly single: boolean;
    }
  | {
      readonly op: 'filter';
      readonly path: readonly Step[];
      readonly cmp?: string;
      readonly value?: unknown;
    };

type Node =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'path'; readonly steps: readonly Step[] }
  | { readonly kind: 'range'; readonly steps: readonly Step[]; readonly body: readonly Node[] };

/** A parsed template, ready to run on many objects. */
export interface JsonPathTemplate {
  readonly source: string;
  readonly nodes: readonly Node[];
}

/** Parses a template; kubectl's relaxed form (`.metadata.name` without braces) is accepted. */
export function parseJsonPath(source: string): JsonPathTemplate {
  const text = source.includes('{') ? source : `{${source}}`;
  const stack: Node[][] = [[]];
  const ranges: Step[][] = [];
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf('{', at);
    const top = stack[stack.length - 1] as Node[];
    if (open < 0) {
      top.push({ kind: 'text', text: text.slice(at) });
      break;
    }
    if (open > at) top.push({ kind: 'text', text: text.slice(at, open) });
    const close = findClose(text, open);
    if (close < 0) throw new CommandError(`error parsing jsonpath ${source}, unclosed action`);
    const action = text.slice(open + 1, close).trim();
    at = close + 1;
    if (action === 'end') {
      const body = stack.pop();
      const steps = ranges.pop();
      if (!body || !steps || stack.length === 0)
        throw new CommandError(`error parsing jsonpath ${source}, not in range`);
      (stack[stack.length - 1] as Node[]).push({ kind: 'range', steps, body });
    } else if (action.startsWith('range ')) {
      ranges.push(parsePath(action.slice(6).trim(), source));
      stack.push([]);
    } else if (action.startsWith('"') || action.startsWith("'")) {
      top.push({ kind: 'text', text: unquote(action, source) });
    } else {
      top.push({ kind: 'path', steps: parsePath(action, source) });
    }
  }
  if (stack.length !== 1) throw new CommandError(`error parsing jsonpath ${source}, unclosed range`);
  return { source, nodes: stack[0] as Node[] };
}

/** Runs a template on one value (an object, or a `List`). */
export function executeJsonPath(template: JsonPathTemplate, data: unknown): string {
  return run(template.nodes, data, data);
}

/** The values an expression (without braces) selects, for custom columns. */
export function selectJsonPath(expression: string, data: unknown): unknown[] {
  const inner = expression.trim().replace(/^\{/, '').replace(/\}$/, '');
  return evaluate(parsePath(inner, expression), [data], data);
}

/** A value as the template prints it: strings raw, everything else as JSON. */
export function printValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value);
}

function run(nodes: readonly Node[], current: unknown, root: unknown): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'text') out += node.text;
    else if (node.kind === 'path') out += evaluate(node.steps, [current], root).map(printValue).join(' ');
    else for (const item of evaluate(node.steps, [current], root)) out += run(node.body, item, root);
  }
  return out;
}

function evaluate(steps: readonly Step[], start: readonly unknown[], root: unknown): unknown[] {
  let nodes: unknown[] = [...start];
  for (const step of steps) nodes = nodes.flatMap((n) => apply(step, n, root));
  return nodes;
}

function apply(step: Step, node: unknown, root: unknown): unknown[] {
  switch (step.op) {
    case 'field':
      if (step.name === '$') return [root];
      return isRecord(node) && step.name in node ? [node[step.name]] : [];
    case 'wildcard':
      return Array.isArray(node) ? node : isRecord(node) ? Object.values(node) : [];
    case 'recursive':
      return descend(node, step.name);
    case 'index': {
      if (!Array.isArray(node)) return [];
      const norm = (i: number) => (i < 0 ? node.length + i : i);
      if (step.single) {
        const i = norm(step.start ?? 0);
        return i >= 0 && i < node.length ? [node[i]] : [];
      }
      return node.slice(norm(step.start ?? 0), step.end === undefined ? undefined : norm(step.end));
    }
    case 'filter': {
      const items = Array.isArray(node) ? node : [node];
      return items.filter((item) => {
        const found = evaluate(step.path, [item], root);
        if (step.cmp === undefined) return found.length > 0;
        return found.some((v) => compare(v, step.cmp as string, step.value));
      });
    }
  }
}

function descend(node: unknown, name: string | undefined): unknown[] {
  const out: unknown[] = [];
  const visit = (n: unknown) => {
    if (Array.isArray(n)) n.forEach(visit);
    else if (isRecord(n)) {
      for (const [k, v] of Object.entries(n)) {
        if (name === undefined || k === name) out.push(v);
        visit(v);
      }
    }
  };
  visit(node);
  return out;
}

function compare(left: unknown, cmp: string, right: unknown): boolean {
  const l = typeof right === 'number' ? Number(left) : left;
  switch (cmp) {
    case '==':
      return l === right;
    case '!=':
      return l !== right;
    case '<':
      return (l as number) < (right as number);
    case '>':
      return (l as number) > (right as number);
    case '<=':
      return (l as number) <= (right as number);
    default:
      return (l as number) >= (right as number);
  }
}

/** `.a.b[0]['c'][*]..d[?(@.x=="y")]` into steps. */
function parsePath(expr: string, source: string): Step[] {
  const steps: Step[] = [];
  let at = 0;
  const fail = (): never => {
    throw new CommandError(`error parsing jsonpath ${source}, unrecognized character in action: ${expr}`);
  };
  if (expr === '@' || expr === '.' || expr === '') return steps;
  while (at < expr.length) {
    const c = expr[at];
    if (c === '$' || c === '@') {
      if (c === '$') steps.push({ op: 'field', name: '$' });
      at++;
    } else if (expr.startsWith('..', at)) {
      const m = /^[\w-]+/.exec(expr.slice(at + 2));
      steps.push({ op: 'recursive', name: m?.[0] });
      at += 2 + (m?.[0].length ?? 0);
    } else if (c === '.') {
      if (expr[at + 1] === '*') {
        steps.push({ op: 'wildcard' });
        at += 2;
        continue;
      }
      const m = /^[^.[\]\s]+/.exec(expr.slice(at + 1));
      if (!m) {
        at++;
        continue;
      }
      steps.push({ op: 'field', name: m[0] });
      at += 1 + m[0].length;
    } else if (c === '[') {
      const close = matchingBracket(expr, at);
      if (close < 0) fail();
      steps.push(parseBracket(expr.slice(at + 1, close).trim(), source, fail));
      at = close + 1;
    } else if (/\w/.test(c ?? '')) {
      const m = /^[^.[\]\s]+/.exec(expr.slice(at)) as RegExpExecArray;
      steps.push({ op: 'field', name: m[0] });
      at += m[0].length;
    } else fail();
  }
  return steps;
}

function parseBracket(inner: string, source: string, fail: () => never): Step {
  if (inner === '*') return { op: 'wildcard' };
  if (inner.startsWith("'") || inner.startsWith('"')) return { op: 'field', name: unquote(inner, source) };
  if (inner.startsWith('?(') && inner.endsWith(')')) {
    const body = inner.slice(2, -1).trim();
    const m = /^(@[^=!<>\s]*)\s*(==|!=|<=|>=|<|>)\s*(.+)$/.exec(body);
    if (!m) return { op: 'filter', path: parsePath(body, source) };
    const raw = (m[3] ?? '').trim();
    const value = /^['"]/.test(raw) ? unquote(raw, source) : Number.isNaN(Number(raw)) ? raw : Number(raw);
    return { op: 'filter', path: parsePath(m[1] ?? '@', source), cmp: m[2] as string, value };
  }
  const slice = /^(-?\d*)\s*(?::\s*(-?\d*))?$/.exec(inner);
  if (!slice) fail();
  const num = (s: string | undefined) => (s === undefined || s === '' ? undefined : Number(s));
  const single = (slice as RegExpExecArray)[2] === undefined;
  return { op: 'index', start: num(slice?.[1]), end: num(slice?.[2]), single };
}

function matchingBracket(expr: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < expr.length; i++) {
    const c = expr[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  return -1;
}

function findClose(text: string, open: number): number {
  let quote: string | undefined;
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '}') return i;
  }
  return -1;
}

function unquote(literal: string, source: string): string {
  const q = literal[0];
  if (literal.length < 2 || literal[literal.length - 1] !== q) {
    throw new CommandError(`error parsing jsonpath ${source}, unterminated string`);
  }
  const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };
  return literal.slice(1, -1).replace(/\\(.)/g, (_, ch: string) => escapes[ch] ?? ch);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
