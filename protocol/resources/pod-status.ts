/**
 * What the kubelet reports about a pod: its phase, conditions, addresses and the state of each
 * container. The kubelet writes it through the status subresource; nothing else does.
 */
import { z } from 'zod';
import { ConditionSchema } from '../meta.js';
import { ipAddress, nonNegativeInt32, timestamp } from './fields.js';

export const POD_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] as const;
export const PodPhaseSchema = z.enum(POD_PHASES);
export type PodPhase = z.output<typeof PodPhaseSchema>;

export const ContainerStateWaitingSchema = z.object({
  reason: z.string().optional(),
  message: z.string().optional(),
});

export const ContainerStateRunningSchema = z.object({
  startedAt: timestamp.optional(),
});

export const ContainerStateTerminatedSchema = z.object({
  exitCode: z.int32(),
  signal: z.int32().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  startedAt: timestamp.optional(),
  finishedAt: timestamp.optional(),
  containerID: z.string().optional(),
});

/** At most one of waiting, running or terminated is set; none means "waiting" in Kubernetes. */
export const ContainerStateSchema = z.object({
  waiting: ContainerStateWaitingSchema.optional(),
  running: ContainerStateRunningSchema.optional(),
  terminated: ContainerStateTerminatedSchema.optional(),
});
export type ContainerState = z.output<typeof ContainerStateSchema>;

export const ContainerStatusSchema = z.object({
  name: z.string(),
  ready: z.boolean(),
  restartCount: nonNegativeInt32,
  image: z.string(),
  imageID: z.string().default(''),
  containerID: z.string().optional(),
  started: z.boolean().optional(),
  state: ContainerStateSchema.optional(),
  lastState: ContainerStateSchema.optional(),
});
export type ContainerStatus = z.output<typeof ContainerStatusSchema>;

const PodIPSchema = z.object({ ip: ipAddress });

/**
 * A container port as the node publishes it (a Skiff field; Kubernetes has none, as its pods own
 * an IP). Skiff has no overlay network: a pod is reached at `hostIP:hostPort`, the port the kubelet
 * allocated, so the Endpoints controller needs the mapping and a person running `kubectl get pod
 * -o yaml` sees where to connect.
 */
export const PublishedPortSchema = z.object({
  /** The container that declares the port. */
  containerName: z.string(),
  /** The port's name in the container spec, when it has one. */
  name: z.string().optional(),
  containerPort: z.number().int(),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']),
  hostIP: ipAddress,
  hostPort: z.number().int(),
});
export type PublishedPort = z.output<typeof PublishedPortSchema>;

export const PodStatusSchema = z.object({
  phase: PodPhaseSchema.optional(),
  conditions: z.array(ConditionSchema).optional(),
  message: z.string().optional(),
  reason: z.string().optional(),
  nominatedNodeName: z.string().optional(),
  hostIP: ipAddress.optional(),
  hostIPs: z.array(PodIPSchema).optional(),
  podIP: ipAddress.optional(),
  podIPs: z.array(PodIPSchema).optional(),
  publishedPorts: z.array(PublishedPortSchema).optional(),
  startTime: timestamp.optional(),
  initContainerStatuses: z.array(ContainerStatusSchema).optional(),
  containerStatuses: z.array(ContainerStatusSchema).optional(),
  qosClass: z.enum(['Guaranteed', 'Burstable', 'BestEffort']).optional(),
});
export type PodStatus = z.output<typeof PodStatusSchema>;
export type PodStatusInput = z.input<typeof PodStatusSchema>;
