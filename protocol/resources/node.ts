/**
 * Node (`v1`, cluster-scoped): a machine a kubelet runs, its taints and schedulability (spec) and
 * what the kubelet reports (status): capacity, allocatable, conditions, addresses, versions.
 */
import { z } from 'zod';
import { ConditionSchema, objectMetaSchema } from '../meta.js';
import { type FieldError, forbiddenField } from '../validation/field-errors.js';
import { withChecks } from '../validation/zod-errors.js';
import { cidr, int32, requiredString, resourceList, stringList } from './fields.js';
import { TaintSchema, validateTaints } from './scheduling.js';

/** Condition types a kubelet reports; `Ready` is the one the node lifecycle controller watches. */
export const NODE_CONDITION_TYPES = [
  'Ready',
  'MemoryPressure',
  'DiskPressure',
  'PIDPressure',
  'NetworkUnavailable',
] as const;
export const NODE_ADDRESS_TYPES = [
  'InternalIP',
  'ExternalIP',
  'Hostname',
  'InternalDNS',
  'ExternalDNS',
] as const;

export const NodeSpecSchema = withChecks(
  z.object({
    podCIDR: cidr.optional(),
    podCIDRs: z.array(cidr).optional(),
    providerID: z.string().optional(),
    unschedulable: z.boolean().optional(),
    taints: z.array(TaintSchema).optional(),
  }),
  (spec) => validateTaints(spec.taints ?? [], 'taints'),
);
export type NodeSpec = z.output<typeof NodeSpecSchema>;

export const NodeAddressSchema = z.object({ type: z.enum(NODE_ADDRESS_TYPES), address: requiredString });
export type NodeAddress = z.output<typeof NodeAddressSchema>;

export const NodeSystemInfoSchema = z.object({
  machineID: z.string().optional(),
  systemUUID: z.string().optional(),
  bootID: z.string().optional(),
  kernelVersion: z.string().optional(),
  osImage: z.string().optional(),
  containerRuntimeVersion: z.string().optional(),
  kubeletVersion: z.string().optional(),
  kubeProxyVersion: z.string().optional(),
  operatingSystem: z.string().optional(),
  architecture: z.string().optional(),
});
export type NodeSystemInfo = z.output<typeof NodeSystemInfoSchema>;

export const NodeStatusSchema = z.object({
  capacity: resourceList.optional(),
  allocatable: resourceList.optional(),
  phase: z.enum(['Pending', 'Running', 'Terminated']).optional(),
  conditions: z.array(ConditionSchema).optional(),
  addresses: z.array(NodeAddressSchema).optional(),
  daemonEndpoints: z.object({ kubeletEndpoint: z.object({ Port: int32 }).optional() }).optional(),
  nodeInfo: NodeSystemInfoSchema.optional(),
  volumesInUse: stringList.optional(),
});
export type NodeStatus = z.output<typeof NodeStatusSchema>;
export type NodeStatusInput = z.input<typeof NodeStatusSchema>;

export const NodeSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Node'),
  metadata: objectMetaSchema('dns1123-subdomain').prefault({}),
  spec: NodeSpecSchema.prefault({}),
  status: NodeStatusSchema.optional(),
});
export type Node = z.output<typeof NodeSchema>;
export type NodeInput = z.input<typeof NodeSchema>;

/** Kubernetes lets podCIDR go from unset to set, never change: routes were built on it. */
export function validateNodeUpdate(old: Node, next: Node): FieldError[] {
  const before = old.spec.podCIDR;
  if (!before || before === next.spec.podCIDR) return [];
  return [forbiddenField('spec.podCIDR', 'node updates may not change podCIDR except from "" to valid')];
}
