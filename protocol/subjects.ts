/**
 * Every NATS subject Skiff uses is built here, and only here.
 *
 * Object names may contain `.` (a NATS token separator) and other characters NATS gives meaning to,
 * so every user-supplied token goes through `encodeToken`, which is reversible and can never produce
 * `.`, `*`, `>`, whitespace or a leading `$`. A `Subject` is a branded string: code that builds one
 * anywhere else does not type-check.
 */

/** A concrete subject to publish on. */
export type Subject = string & { readonly __brand: 'Subject' };
/** A subject that may contain `*` / `>` wildcards, for subscriptions and stream filters. */
export type SubjectPattern = string & { readonly __brand: 'Subject' | 'SubjectPattern' };

const PLAIN = /^[A-Za-z0-9-]$/;
const PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/**
 * Encodes any string as one NATS token: `[A-Za-z0-9-]` stay as they are, every other UTF-8 byte
 * becomes `_XX` (lower-case hex), and the empty string becomes a lone `_`.
 * `my.app` → `my_2eapp`; `` → `_`.
 */
export function encodeToken(value: string): string {
  if (value === '') return '_';
  let out = '';
  for (const ch of value) {
    if (PLAIN.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8')) out += `_${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** Reverses `encodeToken`; throws on a token `encodeToken` cannot have produced. */
export function decodeToken(token: string): string {
  if (token === '_') return '';
  const bytes: number[] = [];
  for (let i = 0; i < token.length; ) {
    const c = token[i] as string;
    if (c === '_') {
      const hex = token.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/.test(hex)) throw new Error(`invalid subject token ${JSON.stringify(token)}`);
      bytes.push(Number.parseInt(hex, 16));
      i += 3;
    } else if (PLAIN.test(c)) {
      bytes.push(c.charCodeAt(0));
      i += 1;
    } else {
      throw new Error(`invalid subject token ${JSON.stringify(token)}`);
    }
  }
  const decoded = Buffer.from(bytes).toString('utf8');
  if (encodeToken(decoded) !== token) throw new Error(`invalid subject token ${JSON.stringify(token)}`);
  return decoded;
}

/** The API verbs a request subject can carry. */
export type ApiVerb =
  | 'create'
  | 'get'
  | 'list'
  | 'update'
  | 'patch'
  | 'delete'
  | 'deletecollection'
  | 'apply';

/** Where an event's object lives: what `eventSubject` encodes. */
export interface EventAddress {
  readonly resource: string;
  /** Empty for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
  /** Pods only: the node the pod is bound to, empty while unbound. */
  readonly node?: string;
}

/** Which events a watcher wants: any field left out matches everything. */
export interface EventFilter {
  readonly resource?: string;
  readonly namespace?: string;
  readonly name?: string;
  /** Pods only. */
  readonly node?: string;
}

/** The resource whose events carry a trailing node token. */
export const NODE_ADDRESSED_RESOURCE = 'pods';

/** Builds every subject under one validated prefix (default `skiff`). */
export class Subjects {
  readonly prefix: string;

  constructor(prefix = 'skiff') {
    if (!PREFIX.test(prefix)) throw new Error(`invalid subject prefix ${JSON.stringify(prefix)}`);
    this.prefix = prefix;
  }

  private join(...tokens: string[]): Subject {
    return [this.prefix, ...tokens].join('.') as Subject;
  }

  /** `skiff.api.<verb>.<resource>[.<subresource>]`: request/reply to the API server. */
  api(verb: ApiVerb, resource: string, subresource?: string): Subject {
    const tokens = [verb, encodeToken(resource)];
    if (subresource !== undefined) tokens.push(encodeToken(subresource));
    return this.join('api', ...tokens);
  }

  /** `skiff.api.>`: what API server replicas subscribe to, in queue group `apiserver`. */
  apiAll(): SubjectPattern {
    return this.join('api', '>');
  }

  /** Parses a request subject back into verb, resource and subresource. */
  parseApi(subject: string): { verb: string; resource: string; subresource?: string } | undefined {
    const head = `${this.prefix}.api.`;
    if (!subject.startsWith(head)) return undefined;
    const tokens = subject.slice(head.length).split('.');
    if (tokens.length < 2 || tokens.length > 3) return undefined;
    try {
      const [verb, resource, sub] = tokens as [string, string, string | undefined];
      return sub === undefined
        ? { verb, resource: decodeToken(resource) }
        : { verb, resource: decodeToken(resource), subresource: decodeToken(sub) };
    } catch {
      return undefined; // not one of ours: the caller answers BadRequest
    }
  }

  /**
   * `skiff.events.<resource>.<namespace>.<name>`, and for pods
   * `skiff.events.pods.<namespace>.<name>.<node>` so a kubelet can subscribe to its own pods only.
   */
  event(address: EventAddress): Subject {
    const tokens = [encodeToken(address.resource), encodeToken(address.namespace), encodeToken(address.name)];
    if (address.resource === NODE_ADDRESSED_RESOURCE) tokens.push(encodeToken(address.node ?? ''));
    return this.join('events', ...tokens);
  }

  /** The pattern matching the events a filter selects (`skiff.events.pods.*.*.node-a`). */
  events(filter: EventFilter = {}): SubjectPattern {
    if (filter.resource === undefined) {
      if (filter.namespace !== undefined || filter.name !== undefined || filter.node !== undefined) {
        throw new Error('an event filter on namespace, name or node needs a resource');
      }
      return this.join('events', '>');
    }
    const podLike = filter.resource === NODE_ADDRESSED_RESOURCE;
    if (filter.node !== undefined && !podLike) throw new Error(`${filter.resource} events carry no node`);
    const ns = filter.namespace === undefined ? '*' : encodeToken(filter.namespace);
    const name = filter.name === undefined ? '*' : encodeToken(filter.name);
    const tokens = [encodeToken(filter.resource), ns, name];
    if (podLike) tokens.push(filter.node === undefined ? '*' : encodeToken(filter.node));
    return this.join('events', ...tokens);
  }

  /**
   * `skiff.events._`: the horizon marker, the first entry of an event log that was started again
   * after losing history it could not recover. Its revision is the newest one the log does NOT hold
   * in full, so a watch from an older resourceVersion finds it and is told Expired. No resource's
   * watch filter matches it (a resource token is never empty).
   */
  eventsHorizon(): Subject {
    return this.join('events', encodeToken(''));
  }

  /** Parses an event subject back into its address. */
  parseEvent(subject: string): EventAddress | undefined {
    const head = `${this.prefix}.events.`;
    if (!subject.startsWith(head)) return undefined;
    const tokens = subject.slice(head.length).split('.');
    try {
      const [resource, namespace, name, node] = tokens.map(decodeToken) as [string, string, string, string?];
      const podLike = resource === NODE_ADDRESSED_RESOURCE;
      if (tokens.length !== (podLike ? 4 : 3)) return undefined;
      return podLike ? { resource, namespace, name, node: node ?? '' } : { resource, namespace, name };
    } catch {
      return undefined; // not one of ours
    }
  }

  /** `skiff.desired.<resource>`: desired state published by other services. */
  desired(resource: string): Subject {
    return this.join('desired', encodeToken(resource));
  }

  /** `skiff.desired.>` */
  desiredAll(): SubjectPattern {
    return this.join('desired', '>');
  }

  /** `skiff.node.<node>.heartbeat` */
  nodeHeartbeat(node: string): Subject {
    return this.join('node', encodeToken(node), 'heartbeat');
  }

  /** `skiff.node.*.heartbeat` */
  nodeHeartbeats(): SubjectPattern {
    return this.join('node', '*', 'heartbeat');
  }

  /** `skiff.node.<node>.logs`: log stream requests to one kubelet. */
  nodeLogs(node: string): Subject {
    return this.join('node', encodeToken(node), 'logs');
  }

  /** `skiff.node.<node>.logs.<stream>`: the chunks of one followed log, kubelet → reader. */
  nodeLogStream(node: string, stream: string): Subject {
    return this.join('node', encodeToken(node), 'logs', encodeToken(stream));
  }

  /** `skiff.node.<node>.logs.<stream>.control`: keepalives and cancel of one followed log, reader → kubelet. */
  nodeLogStreamControl(node: string, stream: string): Subject {
    return this.join('node', encodeToken(node), 'logs', encodeToken(stream), 'control');
  }

  /** `skiff.node.<node>.exec`: exec requests to one kubelet. */
  nodeExec(node: string): Subject {
    return this.join('node', encodeToken(node), 'exec');
  }

  /**
   * `skiff.node.<node>.pods`: the pods running on one node with their network namespace holders,
   * published by its kubelet on change and periodically, read by the node's proxy.
   */
  nodePods(node: string): Subject {
    return this.join('node', encodeToken(node), 'pods');
  }

  /** `skiff.node.<node>.pods.get`: request/reply, the kubelet answers with its current pod set. */
  nodePodsGet(node: string): Subject {
    return this.join('node', encodeToken(node), 'pods', 'get');
  }

  /** `skiff.node.<node>.>`: everything addressed to one node (for its NATS permissions). */
  nodeAll(node: string): SubjectPattern {
    return this.join('node', encodeToken(node), '>');
  }

  /** JetStream stream holding watch events: `SKIFF_EVENTS` for prefix `skiff`. */
  eventsStream(): string {
    return `${streamBase(this.prefix)}_EVENTS`;
  }

  /** JetStream stream holding desired-state events: `SKIFF_DESIRED`. */
  desiredStream(): string {
    return `${streamBase(this.prefix)}_DESIRED`;
  }
}

/**
 * The prefix as the base of JetStream stream names, reversibly: `[a-z0-9-]` become upper case and
 * every other character `_XX` (hex), so `skiff` → `SKIFF`, `team.a` → `TEAM_2EA`, `team_a` →
 * `TEAM_5FA`, `TEAM_A` → `_54_45_41_4D_5FA`... Two clusters sharing one NATS can never share a
 * stream, however alike their prefixes look (a lossy mapping once let `team.a` and `team_a` collide).
 */
export function streamBase(prefix: string): string {
  let out = '';
  for (const ch of prefix) {
    out += /[a-z0-9-]/.test(ch)
      ? ch.toUpperCase()
      : `_${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The prefix a stream base was made from (`streamBase` inverted); throws on a name it cannot have made. */
export function prefixOfStreamBase(base: string): string {
  let out = '';
  for (let i = 0; i < base.length; i++) {
    const ch = base[i] as string;
    if (ch === '_') {
      const hex = base.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) throw new Error(`not a stream base: ${JSON.stringify(base)}`);
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 2;
    } else if (/[A-Z0-9-]/.test(ch)) out += ch.toLowerCase();
    else throw new Error(`not a stream base: ${JSON.stringify(base)}`);
  }
  return out;
}
