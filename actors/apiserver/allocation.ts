/**
 * What the API server allocates for Services: a cluster IP from the service range (loopback,
 * 127.77.0.0/16 by default: every node's proxy listens on it, BLUEPRINT.md's networking model) and,
 * for `type: NodePort` (and LoadBalancer), a node port from 30000–32767.
 *
 * Uniqueness is the store's: every allocated value is a claim (`services/clusterip/<ip>`,
 * `services/nodeport/<port>`) taken in the same atomic step as the write, so two Services never
 * share one, whichever API server replica wrote them and however close together. Here only the
 * choice is made: a requested value as asked (or refused with Kubernetes' message), a missing one
 * kept from the previous version on update, else a random pick, which `commit.ts` picks again when
 * another Service turned out to hold it.
 */
import { badRequest, invalid } from '../../protocol/errors.js';
import type { AnyObject } from '../../protocol/resources/registry.js';
import { CLUSTER_IP_NONE, NODE_PORT_RANGE, type Service } from '../../protocol/resources/service.js';
import { type FieldError, invalidValue } from '../../protocol/validation/field-errors.js';

/** The ranges Services draw from. */
export interface ServiceRanges {
  /** The cluster IP range, as a CIDR (default 127.77.0.0/16). */
  readonly clusterIPRange: string;
  readonly nodePorts: { readonly min: number; readonly max: number };
}

export const defaultServiceRanges: ServiceRanges = {
  clusterIPRange: '127.77.0.0/16',
  nodePorts: NODE_PORT_RANGE,
};

/** The choices behind one write: the object with values filled in, and what each claim came from. */
export interface Allocation {
  readonly object: AnyObject;
  /** Claims picked at random here: a collision means "pick again". */
  readonly picked: ReadonlySet<string>;
  /** Claims the user asked for, with the field that asked: a collision is their error. */
  readonly requested: ReadonlyMap<string, { readonly field: string; readonly value: string | number }>;
}

/** The claims an object holds while it exists (none but a Service's). */
export function claimsOf(obj: AnyObject | undefined): string[] {
  if (obj?.kind !== 'Service') return [];
  const service = obj as unknown as Service;
  const claims: string[] = [];
  const ip = service.spec.clusterIP;
  if (ip && ip !== CLUSTER_IP_NONE) claims.push(clusterIPClaim(ip));
  for (const port of service.spec.ports ?? []) if (port.nodePort) claims.push(nodePortClaim(port.nodePort));
  return [...new Set(claims)];
}

const clusterIPClaim = (ip: string) => `services/clusterip/${ip}`;
const nodePortClaim = (port: number) => `services/nodeport/${port}`;

/** Fills in a Service's cluster IP and node ports (`old`: the stored version, on update). */
export function allocate(
  obj: AnyObject,
  old: AnyObject | undefined,
  ranges: ServiceRanges,
  random: () => number,
): Allocation {
  if (obj.kind !== 'Service') return { object: obj, picked: new Set(), requested: new Map() };
  const next = structuredClone(obj) as unknown as Service;
  const before = old as unknown as Service | undefined;
  const spec = next.spec as Service['spec'] & { clusterIP?: string; clusterIPs?: string[] };
  const picked = new Set<string>();
  const requested = new Map<string, { field: string; value: string | number }>();
  const errors: FieldError[] = [];
  const name = next.metadata.name ?? '';

  if (spec.type !== 'ExternalName') {
    const cidr = parseCidr(ranges.clusterIPRange);
    if (!spec.clusterIP && before?.spec.clusterIP) spec.clusterIP = before.spec.clusterIP;
    if (!spec.clusterIP) {
      // Neither the network address nor the last one (broadcast in an ordinary subnet).
      spec.clusterIP = formatIPv4(cidr.base + 1 + Math.floor(random() * (cidr.size - 2)));
      picked.add(clusterIPClaim(spec.clusterIP));
    } else if (spec.clusterIP !== CLUSTER_IP_NONE && spec.clusterIP !== before?.spec.clusterIP) {
      const ip = parseIPv4(spec.clusterIP);
      if (ip === undefined || ip < cidr.base || ip >= cidr.base + cidr.size) {
        errors.push(
          invalidValue(
            'spec.clusterIPs',
            [spec.clusterIP],
            `failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${ranges.clusterIPRange}`,
          ),
        );
      }
      requested.set(clusterIPClaim(spec.clusterIP), { field: 'spec.clusterIPs', value: spec.clusterIP });
    }
    spec.clusterIPs = [spec.clusterIP];
  }

  const wantsNodePorts = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  (spec.ports ?? []).forEach((port, i) => {
    const mutable = port as { nodePort?: number };
    if (!wantsNodePorts) return;
    if (!mutable.nodePort) {
      const kept = before?.spec.ports?.find(
        (p) => p.port === port.port && p.protocol === port.protocol,
      )?.nodePort;
      if (kept) mutable.nodePort = kept;
    }
    const field = `spec.ports[${i}].nodePort`;
    if (!mutable.nodePort) {
      const { min, max } = ranges.nodePorts;
      mutable.nodePort = min + Math.floor(random() * (max - min + 1));
      picked.add(nodePortClaim(mutable.nodePort));
      return;
    }
    const { min, max } = ranges.nodePorts;
    if (mutable.nodePort < min || mutable.nodePort > max) {
      errors.push(
        invalidValue(
          field,
          mutable.nodePort,
          `provided port is not in the valid range. The range of valid ports is ${min}-${max}`,
        ),
      );
    }
    requested.set(nodePortClaim(mutable.nodePort), { field, value: mutable.nodePort });
  });
  if (errors.length > 0) throw invalid('Service', name, errors);
  return { object: next as unknown as AnyObject, picked, requested };
}

/** The error for a requested value another Service holds (Kubernetes' words). */
export function alreadyAllocated(
  name: string,
  claim: string,
  requested: { readonly field: string; readonly value: string | number },
) {
  const what = claim.startsWith('services/clusterip/')
    ? `failed to allocate IP ${requested.value}: provided IP is already allocated`
    : 'provided port is already allocated';
  const value = requested.field === 'spec.clusterIPs' ? [requested.value] : requested.value;
  return invalid('Service', name, [invalidValue(requested.field, value, what)]);
}

function parseCidr(cidr: string): { base: number; size: number } {
  const [address, bits] = cidr.split('/');
  const base = parseIPv4(address ?? '');
  const prefix = Number(bits);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 8 || prefix > 30) {
    throw badRequest(`invalid service cluster IP range ${cidr}`);
  }
  const size = 2 ** (32 - prefix);
  return { base: base - (base % size), size };
}

function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

function formatIPv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}
