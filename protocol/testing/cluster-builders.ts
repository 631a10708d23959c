/**
 * Fixture builders for the other kinds: `makeService('web').port({port: 80, targetPort: 8080}).obj()`,
 * `makeEndpoints`, `makeNamespace`, `makeConfigMap`, `makeSecret`, `makeLease`, `makeEvent`.
 */
import type { KubeObject } from '../meta.js';
import { type ConfigMap, ConfigMapSchema } from '../resources/configmap.js';
import {
  type EndpointAddressInput,
  type EndpointPortInput,
  type Endpoints,
  EndpointsSchema,
} from '../resources/endpoints.js';
import { type Event, EventSchema, type EventType } from '../resources/event.js';
import { type Lease, LeaseSchema } from '../resources/lease.js';
import { type Namespace, NamespaceSchema } from '../resources/namespace.js';
import { type Secret, SecretSchema } from '../resources/secret.js';
import {
  type Service,
  type ServicePortInput,
  ServiceSchema,
  type ServiceType,
} from '../resources/service.js';
import { FIXTURE_TIME, ObjectBuilder } from './builder-base.js';

/** Builds a Service selecting `{app: <name>}`, with port 80 unless ports are given. */
export class ServiceBuilder extends ObjectBuilder<Service> {
  private ports: ServicePortInput[] = [];
  private fields: Record<string, unknown>;

  constructor(name: string) {
    super(ServiceSchema, 'Service', name, 'default');
    this.fields = { selector: { app: name } };
  }

  protected document(): Record<string, unknown> {
    const ports = this.ports.length > 0 ? this.ports : [{ port: 80 }];
    return { apiVersion: 'v1', kind: 'Service', metadata: this.meta, spec: { ...this.fields, ports } };
  }

  /** Replaces the selector. */
  selector(selector: Record<string, string>): this {
    this.fields.selector = selector;
    return this;
  }

  /** Adds a port. */
  port(port: ServicePortInput): this {
    this.ports = [...this.ports, port];
    return this;
  }

  /** Sets spec.type. */
  type(type: ServiceType): this {
    this.fields.type = type;
    return this;
  }

  /** Sets the cluster IP. */
  clusterIP(ip: string): this {
    this.fields.clusterIP = ip;
    return this;
  }

  /** Makes the Service headless (`clusterIP: None`). */
  headless(): this {
    return this.clusterIP('None');
  }
}

/** A Service fixture builder. */
export function makeService(name = 'svc'): ServiceBuilder {
  return new ServiceBuilder(name);
}

/** Builds an Endpoints object with one subset. */
export class EndpointsBuilder extends ObjectBuilder<Endpoints> {
  private ready: EndpointAddressInput[] = [];
  private notReady: EndpointAddressInput[] = [];
  private ports: EndpointPortInput[] = [];

  constructor(name: string) {
    super(EndpointsSchema, 'Endpoints', name, 'default');
  }

  protected document(): Record<string, unknown> {
    const subset = {
      ...(this.ready.length ? { addresses: this.ready } : {}),
      ...(this.notReady.length ? { notReadyAddresses: this.notReady } : {}),
      ...(this.ports.length ? { ports: this.ports } : {}),
    };
    const subsets = this.ready.length + this.notReady.length > 0 ? [subset] : [];
    return { apiVersion: 'v1', kind: 'Endpoints', metadata: this.meta, subsets };
  }

  /** Adds a ready address. */
  address(address: EndpointAddressInput): this {
    this.ready = [...this.ready, address];
    return this;
  }

  /** Adds a not-ready address. */
  notReadyAddress(address: EndpointAddressInput): this {
    this.notReady = [...this.notReady, address];
    return this;
  }

  /** Adds a port. */
  port(port: EndpointPortInput): this {
    this.ports = [...this.ports, port];
    return this;
  }
}

/** An Endpoints fixture builder. */
export function makeEndpoints(name = 'svc'): EndpointsBuilder {
  return new EndpointsBuilder(name);
}

/** Builds a Namespace (Active unless told otherwise). */
export class NamespaceBuilder extends ObjectBuilder<Namespace> {
  private phase: 'Active' | 'Terminating' = 'Active';
  private specFinalizers: string[] | undefined;

  constructor(name: string) {
    super(NamespaceSchema, 'Namespace', name, undefined);
  }

  protected document(): Record<string, unknown> {
    const spec = this.specFinalizers ? { finalizers: this.specFinalizers } : {};
    return { apiVersion: 'v1', kind: 'Namespace', metadata: this.meta, spec, status: { phase: this.phase } };
  }

  /** Marks the namespace Terminating (and being deleted). */
  terminating(): this {
    this.phase = 'Terminating';
    return this.deleting();
  }

  /** Sets spec.finalizers (`kubernetes` is the namespace controller's). */
  specFinalizer(...finalizers: string[]): this {
    this.specFinalizers = finalizers;
    return this;
  }
}

/** A Namespace fixture builder. */
export function makeNamespace(name = 'ns'): NamespaceBuilder {
  return new NamespaceBuilder(name);
}

/** Builds a ConfigMap. */
export class ConfigMapBuilder extends ObjectBuilder<ConfigMap> {
  private fields: Record<string, unknown> = {};

  constructor(name: string) {
    super(ConfigMapSchema, 'ConfigMap', name, 'default');
  }

  protected document(): Record<string, unknown> {
    return { apiVersion: 'v1', kind: 'ConfigMap', metadata: this.meta, ...this.fields };
  }

  /** Merges data entries. */
  data(data: Record<string, string>): this {
    this.fields.data = { ...(this.fields.data as Record<string, string> | undefined), ...data };
    return this;
  }

  /** Makes the ConfigMap immutable. */
  immutable(): this {
    this.fields.immutable = true;
    return this;
  }
}

/** A ConfigMap fixture builder. */
export function makeConfigMap(name = 'config'): ConfigMapBuilder {
  return new ConfigMapBuilder(name);
}

/** Builds a Secret, Opaque unless `type` says otherwise. */
export class SecretBuilder extends ObjectBuilder<Secret> {
  private fields: Record<string, unknown> = {};

  constructor(name: string) {
    super(SecretSchema, 'Secret', name, 'default');
  }

  protected document(): Record<string, unknown> {
    return { apiVersion: 'v1', kind: 'Secret', metadata: this.meta, ...this.fields };
  }

  /** Merges data entries, given in plain text and stored base64-encoded (as the server stores them). */
  data(data: Record<string, string>): this {
    const encoded = Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]),
    );
    this.fields.data = { ...(this.fields.data as Record<string, string> | undefined), ...encoded };
    return this;
  }

  /** Sets the type (`kubernetes.io/tls`, ...). */
  type(type: string): this {
    this.fields.type = type;
    return this;
  }

  /** Makes the Secret immutable. */
  immutable(): this {
    this.fields.immutable = true;
    return this;
  }
}

/** A Secret fixture builder. */
export function makeSecret(name = 'secret'): SecretBuilder {
  return new SecretBuilder(name);
}

/** Builds a Lease, by default unheld. */
export class LeaseBuilder extends ObjectBuilder<Lease> {
  private spec: Record<string, unknown> = {};

  constructor(name: string) {
    super(LeaseSchema, 'Lease', name, 'default');
  }

  protected document(): Record<string, unknown> {
    return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: this.meta, spec: this.spec };
  }

  /** Held by `identity`, acquired and renewed at `at` (micro-time), for `durationSeconds`. */
  holder(identity: string, options: { at?: string; durationSeconds?: number } = {}): this {
    const at = options.at ?? '2024-01-01T00:00:00.000000Z';
    this.spec = {
      ...this.spec,
      holderIdentity: identity,
      acquireTime: at,
      renewTime: at,
      leaseDurationSeconds: options.durationSeconds ?? 15,
    };
    return this;
  }

  /** Sets renewTime (micro-time). */
  renewedAt(at: string): this {
    this.spec = { ...this.spec, renewTime: at };
    return this;
  }

  /** Sets leaseTransitions. */
  transitions(count: number): this {
    this.spec = { ...this.spec, leaseTransitions: count };
    return this;
  }
}

/** A Lease fixture builder. */
export function makeLease(name = 'lease'): LeaseBuilder {
  return new LeaseBuilder(name);
}

/** Builds an Event about an object (a Normal event, count 1, unless told otherwise). */
export class EventBuilder extends ObjectBuilder<Event> {
  private fields: Record<string, unknown> = { type: 'Normal', count: 1 };

  constructor(name: string) {
    super(EventSchema, 'Event', name, 'default');
    this.fields.firstTimestamp = FIXTURE_TIME;
    this.fields.lastTimestamp = FIXTURE_TIME;
  }

  protected document(): Record<string, unknown> {
    return { apiVersion: 'v1', kind: 'Event', metadata: this.meta, ...this.fields };
  }

  /** The object the event is about (also moves the event into that object's namespace). */
  about(obj: KubeObject): this {
    this.fields.involvedObject = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
    };
    return this.namespace(obj.metadata.namespace ?? 'default');
  }

  /** Sets the reason and message. */
  reason(reason: string, message = ''): this {
    this.fields.reason = reason;
    this.fields.message = message;
    return this;
  }

  /** Sets the event type. */
  type(type: EventType): this {
    this.fields.type = type;
    return this;
  }

  /** Sets the count. */
  count(count: number): this {
    this.fields.count = count;
    return this;
  }
}

/** An Event fixture builder. */
export function makeEvent(name = 'event'): EventBuilder {
  return new EventBuilder(name);
}
