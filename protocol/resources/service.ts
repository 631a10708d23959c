/**
 * Service (`v1`): a stable virtual address (`clusterIP:port`, and a NodePort where asked) in
 * front of the pods a selector picks. `targetPort` defaults to `port`; `clusterIPs` mirrors
 * `clusterIP`. The API server allocates clusterIP and nodePort; this file only checks them.
 */
import { z } from 'zod';
import { labelsSchema, objectMetaSchema } from '../meta.js';
import {
  duplicate,
  type FieldError,
  forbiddenField,
  invalidValue,
  required,
} from '../validation/field-errors.js';
import { isDNS1123Label, isDNS1123Subdomain } from '../validation/names.js';
import { childPath, withChecks } from '../validation/zod-errors.js';
import {
  inclusiveRangeError,
  int32,
  intOrString,
  isValidIP,
  MAX_PORT,
  protocol,
  rule,
  stringList,
  validatePortNumOrName,
} from './fields.js';
import { validateImmutable } from './immutable.js';

export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];
/** The default NodePort range (Kubernetes' `--service-node-port-range`). */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;
export const CLUSTER_IP_NONE = 'None';

const servicePortObject = z.object({
  name: z.string().optional(),
  protocol: protocol.default('TCP'),
  port: rule(int32, (p) => p >= 1 && p <= MAX_PORT, inclusiveRangeError(1, MAX_PORT)),
  targetPort: intOrString.optional(),
  nodePort: int32.optional(),
  appProtocol: z.string().optional(),
});

/** `targetPort` defaults to `port`: traffic goes to the same port on the pods. */
export function defaultServicePort<P extends z.output<typeof servicePortObject>>(
  port: P,
): P & { targetPort: number | string } {
  return { ...port, targetPort: port.targetPort ?? port.port };
}

export const ServicePortSchema = withChecks(servicePortObject, (port) =>
  port.targetPort === undefined ? [] : validatePortNumOrName(port.targetPort, 'targetPort'),
).transform(defaultServicePort);
export type ServicePort = z.output<typeof ServicePortSchema>;
export type ServicePortInput = z.input<typeof ServicePortSchema>;

const specObject = z.object({
  type: z.enum(SERVICE_TYPES).default('ClusterIP'),
  selector: labelsSchema.optional(),
  ports: z.array(ServicePortSchema).optional(),
  clusterIP: z.string().optional(),
  clusterIPs: stringList.optional(),
  externalName: z.string().optional(),
  externalIPs: stringList.optional(),
  sessionAffinity: z.enum(['None', 'ClientIP']).default('None'),
  externalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
  internalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
  publishNotReadyAddresses: z.boolean().optional(),
});
type ServiceSpecFields = z.output<typeof specObject>;

/** True for a headless Service (`clusterIP: None`): DNS only, no virtual address. */
export function isHeadless(spec: { readonly clusterIP?: string | undefined }): boolean {
  return spec.clusterIP === CLUSTER_IP_NONE;
}

/** Kubernetes' ValidateService checks across fields of the spec. */
export function validateServiceSpec(spec: ServiceSpecFields): FieldError[] {
  const errors: FieldError[] = [];
  const ports = spec.ports ?? [];
  if (spec.type === 'ExternalName') {
    const name = spec.externalName ?? '';
    if (name === '') errors.push(required('externalName'));
    else
      errors.push(
        ...isDNS1123Subdomain(name.replace(/\.$/, '')).map((m) => invalidValue('externalName', name, m)),
      );
    if (spec.clusterIP || (spec.clusterIPs ?? []).length > 0) {
      errors.push(forbiddenField('clusterIPs', 'may not be set for ExternalName services'));
    }
  } else if (ports.length === 0 && !isHeadless(spec)) {
    errors.push(required('ports'));
  }
  errors.push(...validateClusterIPs(spec));
  errors.push(...validatePorts(spec, ports));
  return errors;
}

function validateClusterIPs(spec: ServiceSpecFields): FieldError[] {
  const errors: FieldError[] = [];
  const ipMessage = "must be empty, 'None', or a valid IP address";
  if (spec.clusterIP && spec.clusterIP !== CLUSTER_IP_NONE && !isValidIP(spec.clusterIP)) {
    errors.push(invalidValue('clusterIP', spec.clusterIP, ipMessage));
  }
  const ips = spec.clusterIPs ?? [];
  if (ips.length > 2)
    errors.push(invalidValue('clusterIPs', ips, 'may specify no more than one IP for each IP family'));
  ips.forEach((ip, i) => {
    const noneAlone = ip === CLUSTER_IP_NONE && ips.length === 1;
    if (!noneAlone && !isValidIP(ip)) errors.push(invalidValue(childPath('clusterIPs', i), ip, ipMessage));
  });
  if (spec.clusterIP && ips.length > 0 && ips[0] !== spec.clusterIP) {
    errors.push(invalidValue(childPath('clusterIPs', 0), ips, 'first value must match `clusterIP`'));
  }
  return errors;
}

function validatePorts(spec: ServiceSpecFields, ports: readonly ServicePort[]): FieldError[] {
  const errors: FieldError[] = [];
  const names = new Set<string>();
  const portKeys = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((port, i) => {
    const path = childPath('ports', i);
    // With several ports, names are how endpoints and targetPorts tell them apart.
    if (ports.length > 1 && !port.name) errors.push(required(childPath(path, 'name')));
    else if (port.name) {
      errors.push(
        ...isDNS1123Label(port.name).map((m) => invalidValue(childPath(path, 'name'), port.name, m)),
      );
      if (names.has(port.name)) errors.push(duplicate(childPath(path, 'name'), port.name));
      names.add(port.name);
    }
    const key = `${port.port}/${port.protocol}`;
    if (portKeys.has(key)) errors.push(duplicate(path, key));
    portKeys.add(key);
    if (port.nodePort === undefined || port.nodePort === 0) return;
    const nodePortPath = childPath(path, 'nodePort');
    if (spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') {
      errors.push(forbiddenField(nodePortPath, `may not be used when \`type\` is '${spec.type}'`));
    } else if (port.nodePort < NODE_PORT_RANGE.min || port.nodePort > NODE_PORT_RANGE.max) {
      errors.push(
        invalidValue(
          nodePortPath,
          port.nodePort,
          `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`,
        ),
      );
    }
    const nodeKey = `${port.nodePort}/${port.protocol}`;
    if (nodePorts.has(nodeKey)) errors.push(duplicate(nodePortPath, nodeKey));
    nodePorts.add(nodeKey);
  });
  return errors;
}

/** clusterIP and clusterIPs describe one thing: whichever is set fills the other. */
export function defaultServiceSpec<S extends ServiceSpecFields>(spec: S): S {
  if (spec.clusterIP && spec.clusterIPs === undefined) return { ...spec, clusterIPs: [spec.clusterIP] };
  if (!spec.clusterIP && spec.clusterIPs?.[0] !== undefined)
    return { ...spec, clusterIP: spec.clusterIPs[0] };
  return spec;
}

export const ServiceSpecSchema = withChecks(specObject, validateServiceSpec).transform(defaultServiceSpec);
export type ServiceSpec = z.output<typeof ServiceSpecSchema>;

export const ServiceStatusSchema = z.object({
  loadBalancer: z
    .object({
      ingress: z.array(z.object({ ip: z.string().optional(), hostname: z.string().optional() })).optional(),
    })
    .optional(),
});

export const ServiceSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Service'),
  // Kubernetes names Services with DNS-1035 labels: the name becomes a DNS label and env var prefix.
  metadata: objectMetaSchema('dns1035-label').prefault({}),
  spec: ServiceSpecSchema.prefault({}),
  status: ServiceStatusSchema.optional(),
});
export type Service = z.output<typeof ServiceSchema>;
export type ServiceInput = z.input<typeof ServiceSchema>;

/** A Service's cluster IP is fixed once allocated: clients and proxies have cached it. */
export function validateServiceUpdate(old: Service, next: Service): FieldError[] {
  if (!old.spec.clusterIP) return [];
  // An update that omits the address keeps it (the API server copies it over); only a change is refused.
  if (!next.spec.clusterIP) return [];
  return validateImmutable(old.spec.clusterIP, next.spec.clusterIP, 'spec.clusterIP');
}
