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
  /**
   * Follow the log (`kubectl logs -f`): the reply only accepts or refuses; the text then arrives
   * as chunks on `skiff.node.<node>.logs.<stream>` (see `log-follow.ts`).
   */
  follow: z.boolean().optional(),
  /** The stream's id, chosen by the reader, unique to it; required with `follow`. */
  stream: z.string().min(1).max(64).optional(),
});
export type PodLogRequest = z.infer<typeof PodLogRequestSchema>;

/**
 * One message of a followed log, kubelet → reader, numbered from 0 so a lost one is noticed.
 * `heartbeat` says the kubelet still follows while the container is quiet; `end` closes the stream:
 * the container stopped (no status) or following failed (a Status).
 */
export const PodLogChunkSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), seq: z.number().int().nonnegative(), text: z.string() }),
  z.object({ type: z.literal('heartbeat'), seq: z.number().int().nonnegative() }),
  z.object({
    type: z.literal('end'),
    seq: z.number().int().nonnegative(),
    status: z.custom<Status>((v) => typeof v === 'object' && v !== null).optional(),
  }),
]);
export type PodLogChunk = z.infer<typeof PodLogChunkSchema>;

/** Reader → kubelet: "still reading" (at every heartbeat interval) or "stop". */
export const PodLogControlSchema = z.object({ type: z.enum(['keepalive', 'cancel']) });
export type PodLogControl = z.infer<typeof PodLogControlSchema>;

/** How often both ends of a followed log say they are alive; three silent intervals end it. */
export const LOG_FOLLOW_HEARTBEAT_MS = 5_000;

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
