/**
 * Which endpoint a new connection (or UDP flow) of one Service port goes to: round robin over the
 * ready endpoints, or, with `sessionAffinity: ClientIP`, the endpoint the same client got last
 * time, while that endpoint stays ready and the client came back within the timeout.
 *
 * Only new connections ask: an endpoint change (`update`) never touches established ones, which
 * finish on the endpoint they have (drain). A client whose affine endpoint left is placed anew.
 * Pure apart from its own state; time is passed in.
 */
import { type EndpointTarget, targetKey } from './service-table.js';

export interface BalancerSettings {
  readonly affinity: 'None' | 'ClientIP';
  readonly affinityTimeoutMs: number;
}

interface Affinity {
  readonly endpoint: string;
  lastUsed: number;
}

/** The balancing state of one Service port. */
export class Balancer {
  private endpoints: readonly EndpointTarget[] = [];
  private byKey = new Map<string, EndpointTarget>();
  private cursor = 0;
  private readonly affinity = new Map<string, Affinity>();

  constructor(private settings: BalancerSettings) {}

  /** Replaces the ready endpoints (and settings); the rotation continues where it was. */
  update(endpoints: readonly EndpointTarget[], settings: BalancerSettings = this.settings): void {
    this.settings = settings;
    this.endpoints = endpoints;
    this.byKey = new Map(endpoints.map((e) => [targetKey(e), e]));
    if (settings.affinity !== 'ClientIP') this.affinity.clear();
    for (const [client, a] of this.affinity) if (!this.byKey.has(a.endpoint)) this.affinity.delete(client);
  }

  /** How many ready endpoints there are. */
  get size(): number {
    return this.endpoints.length;
  }

  /** True when `target` is among the ready endpoints. */
  has(target: EndpointTarget): boolean {
    return this.byKey.has(targetKey(target));
  }

  /**
   * The endpoint for a new connection from `client` (an address, or any key naming the client),
   * or undefined when none is ready. `exclude`: endpoints that just failed this connection.
   */
  pick(client: string, now: number, exclude?: ReadonlySet<string>): EndpointTarget | undefined {
    if (this.settings.affinity === 'ClientIP') {
      const held = this.affinity.get(client);
      if (held && now - held.lastUsed <= this.settings.affinityTimeoutMs && !exclude?.has(held.endpoint)) {
        const target = this.byKey.get(held.endpoint);
        if (target) {
          held.lastUsed = now;
          return target;
        }
      }
    }
    const target = this.nextInRotation(exclude);
    if (target && this.settings.affinity === 'ClientIP') {
      this.affinity.set(client, { endpoint: targetKey(target), lastUsed: now });
    }
    return target;
  }

  /** Forgets affinities idle past the timeout (called now and then, so the map stays small). */
  expireAffinities(now: number): void {
    for (const [client, a] of this.affinity) {
      if (now - a.lastUsed > this.settings.affinityTimeoutMs) this.affinity.delete(client);
    }
  }

  private nextInRotation(exclude?: ReadonlySet<string>): EndpointTarget | undefined {
    const n = this.endpoints.length;
    for (let i = 0; i < n; i++) {
      const target = this.endpoints[this.cursor % n] as EndpointTarget;
      this.cursor = (this.cursor + 1) % n;
      if (!exclude?.has(targetKey(target))) return target;
    }
    return undefined;
  }
}
