/**
 * What the API server asks a kubelet on its node's subjects (`skiff.node.<node>.logs`, `.exec`), as
 * request/reply on the bus: the wire contract both sides share.
 */
import { z } from 'zod';
import type { Status } from './errors.js';

/** A pod's container log, as `kubectl logs` asks for it (Kubernetes' PodLogOptions). */
export const PodLogRequestSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  podUid: z.string(),
  /** Required when the pod has more than one container. */
  container: z.string().optional(),
  tailLines: z.number().int().nonnegative().optional(),
  sinceSeconds: z.number().int().positive().optional(),
  /** The previous run of the container (`kubectl logs -p`). */
  previous: z.boolean().optional(),
  /** At most this many bytes, from the end. */
  limitBytes: z.number().int().positive().optional(),
});
export type PodLogRequest = z.infer<typeof PodLogRequestSchema>;

/** The kubelet's answer: the log text, or why not (a Kubernetes Status). */
export type PodLogReply =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly status: Status };

/** A command to run in a pod's container (`skiff exec POD -- CMD`), and its outcome. */
export const PodExecRequestSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  podUid: z.string(),
  container: z.string().optional(),
  command: z.array(z.string()).min(1),
  timeoutSeconds: z.number().int().positive().optional(),
});
export type PodExecRequest = z.infer<typeof PodExecRequestSchema>;

/** What the command did, or why it could not run. */
export type PodExecReply =
  | { readonly ok: true; readonly exitCode: number; readonly stdout: string; readonly stderr: string }
  | { readonly ok: false; readonly status: Status };

/** The body of a `pods/exec` request to the API server. */
export const PodExecBodySchema = z.object({
  container: z.string().optional(),
  command: z.array(z.string()).min(1),
  timeoutSeconds: z.number().int().positive().optional(),
});
