/**
 * The libpod REST shapes Skiff uses (Podman 4.x, API path `/v4.0.0/libpod/...`): request bodies
 * as TypeScript types, responses as zod schemas that keep only the fields Skiff reads, so every
 * response is validated once where it leaves the socket (STYLE.md) and unknown fields are dropped.
 * Field names are libpod's own (its `SpecGenerator` is snake_case, its inspect output PascalCase).
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Requests

/** A port of the pod published on the host (`PodSpecGenerator.portmappings`). */
export interface LibpodPortMapping {
  readonly host_ip: string;
  readonly host_port: number;
  readonly container_port: number;
  readonly protocol: 'tcp' | 'udp';
}

/** `POST /libpod/pods/create` body (`PodSpecGenerator`, the fields Skiff sets). */
export interface PodCreateSpec {
  readonly name: string;
  readonly hostname?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly portmappings?: readonly LibpodPortMapping[];
  /** An infra container holds the pod's namespaces: ports can only be published on it. */
  readonly no_infra?: boolean;
  readonly share?: readonly string[];
}

/** A bind mount (`SpecGenerator.mounts`, OCI runtime-spec shape). */
export interface LibpodMount {
  readonly destination: string;
  readonly source: string;
  readonly type: 'bind';
  readonly options: readonly string[];
}

/** OCI resource limits (`SpecGenerator.resource_limits`). */
export interface LibpodResourceLimits {
  /** CPU time `quota` µs per `period` µs (cgroup cpu.cfs_quota_us / cpu.cfs_period_us). */
  readonly cpu?: { readonly quota: number; readonly period: number };
  readonly memory?: { readonly limit: number };
}

/** `POST /libpod/containers/create` body (`SpecGenerator`, the fields Skiff sets). */
export interface ContainerCreateSpec {
  readonly name: string;
  readonly image: string;
  /** A pod's name or id: the container joins its namespaces. */
  readonly pod?: string;
  /** Replaces the image's entrypoint (Kubernetes `command`); the image's cmd is then ignored. */
  readonly entrypoint?: readonly string[];
  /** Replaces the image's cmd (Kubernetes `args`). */
  readonly command?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly work_dir?: string;
  readonly mounts?: readonly LibpodMount[];
  readonly resource_limits?: LibpodResourceLimits;
  readonly labels?: Readonly<Record<string, string>>;
  readonly stop_timeout?: number;
  readonly terminal?: boolean;
}

/** `POST /libpod/containers/{id}/exec` body. */
export interface ExecCreateSpec {
  readonly Cmd: readonly string[];
  readonly AttachStdout: boolean;
  readonly AttachStderr: boolean;
  readonly AttachStdin?: boolean;
  readonly Tty?: boolean;
  readonly Env?: readonly string[];
  readonly WorkingDir?: string;
}

/** Filters for list and event calls: `{"label": ["k=v", "k"]}` and the like, JSON in the query. */
export type LibpodFilters = Readonly<Record<string, readonly string[]>>;

// ---------------------------------------------------------------------------------------------
// Responses

const labels = z
  .record(z.string(), z.string())
  .nullish()
  .transform((v) => v ?? {});

/** `{"cause": ..., "message": ..., "response": status}`: every libpod error body. */
export const LibpodErrorBody = z.object({
  cause: z.string().optional(),
  message: z.string().optional(),
  response: z.number().optional(),
});
export type LibpodErrorBody = z.infer<typeof LibpodErrorBody>;

/** `{Id}` from pods/create, containers/create, containers/{id}/exec (exec says `Id` too). */
export const IdResponse = z.object({ Id: z.string() });

/** Pod start/stop/kill/remove report: `Errs` lists per-container failures (409 when partial). */
export const PodReport = z.object({
  Id: z.string().optional(),
  Errs: z.array(z.string()).nullish(),
  Err: z.string().nullish(),
});

/** `GET /libpod/version`. */
export const VersionResponse = z.object({
  Components: z
    .array(
      z.object({
        Name: z.string(),
        Version: z.string(),
        Details: z.object({ APIVersion: z.string().optional() }).nullish(),
      }),
    )
    .nullish()
    .transform((v) => v ?? []),
  Version: z.string().optional(),
  ApiVersion: z.string().optional(),
});

/** `GET /libpod/info`, the parts a node reports. */
export const InfoResponse = z.object({
  host: z.object({
    arch: z.string(),
    os: z.string(),
    hostname: z.string(),
    cpus: z.number(),
    memTotal: z.number(),
    cgroupManager: z.string(),
    cgroupVersion: z.string(),
    ociRuntime: z.object({ name: z.string() }).partial().optional(),
  }),
  version: z.object({ Version: z.string(), APIVersion: z.string() }),
});
export type LibpodInfo = z.infer<typeof InfoResponse>;

/** `GET /libpod/pods/json` item. */
export const PodListItem = z.object({
  Id: z.string(),
  Name: z.string(),
  Status: z.string(),
  Created: z.string(),
  InfraId: z.string().optional(),
  Labels: labels,
  Containers: z
    .array(z.object({ Id: z.string(), Names: z.string(), Status: z.string() }))
    .nullish()
    .transform((v) => v ?? []),
});
export type PodListItem = z.infer<typeof PodListItem>;

const PortBindings = z
  .record(z.string(), z.array(z.object({ HostIp: z.string(), HostPort: z.string() })).nullable())
  .nullish()
  .transform((v) => v ?? {});

/** `GET /libpod/pods/{id}/json`. */
export const PodInspect = z.object({
  Id: z.string(),
  Name: z.string(),
  Created: z.string(),
  State: z.string(),
  Hostname: z.string().optional(),
  Labels: labels,
  InfraContainerID: z.string().optional(),
  InfraConfig: z.object({ PortBindings }).nullish(),
  Containers: z
    .array(z.object({ Id: z.string(), Name: z.string(), State: z.string() }))
    .nullish()
    .transform((v) => v ?? []),
});
export type PodInspect = z.infer<typeof PodInspect>;

/** `GET /libpod/containers/json` item. Times: `StartedAt`/`ExitedAt` in seconds (negative: never). */
export const ContainerListItem = z.object({
  Id: z.string(),
  Names: z
    .array(z.string())
    .nullish()
    .transform((v) => v ?? []),
  Image: z.string(),
  State: z.string(),
  Created: z.string(),
  StartedAt: z.number(),
  Exited: z.boolean(),
  ExitedAt: z.number(),
  ExitCode: z.number(),
  IsInfra: z.boolean(),
  Pod: z.string(),
  PodName: z.string().optional(),
  Labels: labels,
});
export type ContainerListItem = z.infer<typeof ContainerListItem>;

/** `GET /libpod/containers/{id}/json`. Times are RFC 3339 (`0001-01-01T00:00:00Z`: never). */
export const ContainerInspect = z.object({
  Id: z.string(),
  Name: z.string(),
  Created: z.string(),
  Pod: z.string(),
  ImageName: z.string(),
  State: z.object({
    Status: z.string(),
    Running: z.boolean(),
    OOMKilled: z.boolean(),
    Pid: z.number(),
    ExitCode: z.number(),
    Error: z.string().optional(),
    StartedAt: z.string(),
    FinishedAt: z.string(),
  }),
  Config: z.object({
    Labels: labels,
    Env: z
      .array(z.string())
      .nullish()
      .transform((v) => v ?? []),
    WorkingDir: z.string().optional(),
  }),
  HostConfig: z
    .object({ CpuQuota: z.number(), CpuPeriod: z.number(), Memory: z.number() })
    .partial()
    .optional(),
});
export type ContainerInspect = z.infer<typeof ContainerInspect>;

/** `GET /libpod/exec/{id}/json`. */
export const ExecInspect = z.object({
  ID: z.string(),
  Running: z.boolean(),
  ExitCode: z.number(),
  Pid: z.number().optional(),
});

/** One line of `GET /libpod/events`: `Actor.Attributes` holds the labels, name, image, exit code. */
export const LibpodEvent = z.object({
  Type: z.string(),
  Action: z.string(),
  Actor: z.object({
    ID: z.string(),
    Attributes: z
      .record(z.string(), z.string())
      .nullish()
      .transform((v) => v ?? {}),
  }),
  time: z.number(),
  // Nanoseconds do not fit a double: only for ordering and de-duplication, never arithmetic.
  timeNano: z.number().optional(),
});
export type LibpodEvent = z.infer<typeof LibpodEvent>;

/** One line of `POST /libpod/images/pull` progress. */
export const PullProgress = z.object({
  stream: z.string().optional(),
  error: z.string().optional(),
  id: z.string().optional(),
  images: z.array(z.string()).nullish(),
});
