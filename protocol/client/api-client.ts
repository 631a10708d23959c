/**
 * The typed API client: one class over any `Transport` (NATS or HTTP), so a component or service
 * reads the same whichever way it reaches the API server. Failures are thrown as `ApiError`s
 * carrying the server's `Status`.
 */
import type {
  ApiRequest,
  ApiResponse,
  FenceToken,
  ObjectList,
  PatchContentType,
  PropagationPolicy,
  RequestOptions,
  Subresource,
} from '../api.js';
import { errorFromStatus } from '../errors.js';
import type { Scale } from '../resources/scale.js';
import type { Watch, WatchHandler, WatchOptions } from '../watch/watch.js';
import type { Transport } from './transport.js';

/** The least every object has: enough to address it. */
export interface ObjectLike {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: {
    readonly name?: string;
    readonly namespace?: string;
    readonly resourceVersion?: string;
  };
}

/** What the server returns for a written object: the input plus the metadata the server sets. */
export type Stored<T extends ObjectLike> = T & {
  readonly metadata: T['metadata'] & {
    readonly resourceVersion: string;
    readonly uid: string;
    readonly creationTimestamp: string;
    readonly generation?: number;
  };
};

export interface ListQuery {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly continue?: string;
}

export interface WriteQuery {
  readonly dryRun?: boolean;
  readonly fieldManager?: string;
  readonly fence?: FenceToken;
}

export interface DeleteQuery {
  readonly propagationPolicy?: PropagationPolicy;
  readonly gracePeriodSeconds?: number;
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  readonly dryRun?: boolean;
  readonly fence?: FenceToken;
}

/** Options of `logs`, as `kubectl logs` takes them. */
export interface PodLogQuery {
  readonly container?: string;
  readonly tailLines?: number;
  readonly sinceSeconds?: number;
  /** The previous run of the container (`-p`). */
  readonly previous?: boolean;
  readonly limitBytes?: number;
}

/** What `apply` did. */
export interface ApplyResult<T> {
  readonly action: 'created' | 'configured' | 'unchanged';
  readonly object: T;
  readonly warnings: readonly string[];
}

/** A typed client for the Skiff API. */
export class ApiClient {
  constructor(
    readonly transport: Transport,
    private readonly defaults: { readonly timeoutMs?: number } = {},
  ) {}

  /** Sends a raw request and returns the body, throwing the server's Status as an ApiError. */
  async call<T>(request: ApiRequest): Promise<T> {
    return (await this.callWithWarnings<T>(request)).body;
  }

  /** Like `call`, with the server's warnings (unknown fields, deprecations). */
  async callWithWarnings<T>(request: ApiRequest): Promise<{ body: T; warnings: readonly string[] }> {
    const response: ApiResponse = await this.transport.request(request, this.defaults);
    if (!response.ok) throw errorFromStatus(response.status);
    return { body: response.body as T, warnings: response.warnings ?? [] };
  }

  /** Creates an object. */
  create<T extends ObjectLike>(resource: string, object: T, query: WriteQuery = {}): Promise<Stored<T>> {
    return this.call({
      verb: 'create',
      resource,
      namespace: object.metadata.namespace,
      body: object,
      options: writeOptions(query),
    });
  }

  /** Reads one object. */
  get<T>(resource: string, namespace: string, name: string): Promise<T> {
    return this.call({ verb: 'get', resource, namespace, name });
  }

  /** Lists objects (one page when `limit` is set). */
  list<T>(resource: string, query: ListQuery = {}): Promise<ObjectList<T>> {
    const { namespace, ...options } = query;
    return this.call({ verb: 'list', resource, namespace, options });
  }

  /** Lists every page and returns the items with the first page's resourceVersion. */
  async listAll<T>(resource: string, query: Omit<ListQuery, 'continue'> = {}): Promise<ObjectList<T>> {
    const first = await this.list<T>(resource, query);
    const items = [...first.items];
    let next = first.metadata.continue;
    while (next) {
      const page = await this.list<T>(resource, { ...query, continue: next });
      items.push(...page.items);
      next = page.metadata.continue;
    }
    return { ...first, metadata: { resourceVersion: first.metadata.resourceVersion }, items };
  }

  /** Replaces an object; its `metadata.resourceVersion` is the precondition (409 when stale). */
  update<T extends ObjectLike>(resource: string, object: T, query: WriteQuery = {}): Promise<Stored<T>> {
    return this.updateSub(resource, object, undefined, query);
  }

  /** Replaces an object's status only (the `status` subresource). */
  updateStatus<T extends ObjectLike>(
    resource: string,
    object: T,
    query: WriteQuery = {},
  ): Promise<Stored<T>> {
    return this.updateSub(resource, object, 'status', query);
  }

  private updateSub<T extends ObjectLike>(
    resource: string,
    object: T,
    subresource: Subresource | undefined,
    query: WriteQuery,
  ): Promise<Stored<T>> {
    return this.call({
      verb: 'update',
      resource,
      ...(subresource ? { subresource } : {}),
      namespace: object.metadata.namespace,
      name: object.metadata.name,
      body: object,
      options: writeOptions(query),
    });
  }

  /** Patches an object (merge, strategic-merge or JSON patch). */
  patch<T>(
    resource: string,
    namespace: string,
    name: string,
    patch: unknown,
    patchType: PatchContentType = 'application/merge-patch+json',
    query: WriteQuery & { readonly subresource?: Subresource } = {},
  ): Promise<T> {
    const { subresource, ...rest } = query;
    return this.call({
      verb: 'patch',
      resource,
      ...(subresource ? { subresource } : {}),
      namespace,
      name,
      body: patch,
      patchType,
      options: writeOptions(rest),
    });
  }

  /** Deletes an object; returns the object (still terminating) or a success Status. */
  delete(resource: string, namespace: string, name: string, query: DeleteQuery = {}): Promise<unknown> {
    return this.call({ verb: 'delete', resource, namespace, name, options: { ...query } });
  }

  /** Creates or updates an object the way `kubectl apply` does (three-way merge on the server). */
  async apply<T extends ObjectLike>(
    resource: string,
    object: T,
    query: WriteQuery = {},
  ): Promise<ApplyResult<T>> {
    const { body, warnings } = await this.callWithWarnings<{ action: ApplyResult<T>['action']; object: T }>({
      verb: 'apply',
      resource,
      namespace: object.metadata.namespace,
      name: object.metadata.name,
      body: object,
      options: writeOptions(query),
    });
    return { ...body, warnings };
  }

  /** A pod's container log (`kubectl logs`): the text, as its kubelet reads it from the runtime. */
  logs(namespace: string, name: string, options: PodLogQuery = {}): Promise<string> {
    return this.call({ verb: 'get', resource: 'pods', subresource: 'log', namespace, name, options });
  }

  /**
   * Follows a container's log (`kubectl logs -f`): `onText` gets the text as it is written, until
   * the container stops (resolves) or `signal` aborts (resolves).
   */
  followLogs(
    namespace: string,
    name: string,
    options: Omit<PodLogQuery, 'limitBytes'>,
    onText: (text: string) => void,
    signal: AbortSignal = new AbortController().signal,
  ): Promise<void> {
    return this.transport.followLog(
      {
        verb: 'get',
        resource: 'pods',
        subresource: 'log',
        namespace,
        name,
        options: { ...options, follow: true },
      },
      { onText },
      signal,
    );
  }

  /** Runs a command in a pod's container (`skiff exec`); resolves with its exit code and output. */
  exec(
    namespace: string,
    name: string,
    options: {
      readonly command: readonly string[];
      readonly container?: string;
      readonly timeoutSeconds?: number;
    },
  ): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    return this.call({
      verb: 'create',
      resource: 'pods',
      subresource: 'exec',
      namespace,
      name,
      body: options,
    });
  }

  /** Reads the `scale` subresource. */
  getScale(resource: string, namespace: string, name: string): Promise<Scale> {
    return this.call({ verb: 'get', resource, subresource: 'scale', namespace, name });
  }

  /** Sets the replica count through the `scale` subresource. */
  scale(resource: string, namespace: string, name: string, replicas: number): Promise<Scale> {
    return this.call({
      verb: 'patch',
      resource,
      subresource: 'scale',
      namespace,
      name,
      body: { spec: { replicas } },
      patchType: 'application/merge-patch+json',
    });
  }

  /** Binds a pod to a node (the `binding` subresource); `fence` makes it conditional on a lease. */
  bind(namespace: string, name: string, node: string, query: WriteQuery = {}): Promise<unknown> {
    return this.call({
      verb: 'create',
      resource: 'pods',
      subresource: 'binding',
      namespace,
      name,
      body: {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, namespace },
        target: { apiVersion: 'v1', kind: 'Node', name: node },
      },
      options: writeOptions(query),
    });
  }

  /** Opens a watch; see `Transport.watch`. */
  watch(options: WatchOptions, handler: WatchHandler): Promise<Watch> {
    return this.transport.watch(options, handler);
  }

  /** Closes the transport. */
  close(): Promise<void> {
    return this.transport.close();
  }
}

function writeOptions(query: WriteQuery): RequestOptions {
  return {
    ...(query.dryRun ? { dryRun: true } : {}),
    ...(query.fieldManager ? { fieldManager: query.fieldManager } : {}),
    ...(query.fence ? { fence: query.fence } : {}),
  };
}
