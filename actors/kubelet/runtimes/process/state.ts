/**
 * The process runtime's state directory: one JSON record per sandbox and per container, beside
 * each container's log and its output pipe, so a kubelet restarted on the same directory adopts
 * what runs and reports what exited.
 *
 *   <stateDir>/<podUid>/sandbox-<id>.json          SandboxRecord
 *   <stateDir>/<podUid>/<container>-<attempt>.json  ContainerRecord (pid, start ticks, exit code)
 *   <stateDir>/<podUid>/<container>-<attempt>.log   lines prefixed with an RFC 3339 timestamp
 *   <stateDir>/<podUid>/<container>-<attempt>.fifo  the process's stdout and stderr (while it runs)
 *
 * Records are written whole to a temporary file and renamed over the old one, so a crash leaves the
 * old record or the new one, never half of one; they are validated when read back.
 */
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../../../../protocol/logger.js';

const portMapping = z.object({
  containerPort: z.number(),
  hostPort: z.number(),
  hostIP: z.string(),
  protocol: z.enum(['TCP', 'UDP']),
});

const sandboxRecord = z.object({
  kind: z.literal('sandbox'),
  id: z.string(),
  node: z.string(),
  podUid: z.string(),
  namespace: z.string(),
  name: z.string(),
  hostname: z.string(),
  portMappings: z.array(portMapping),
  labels: z.record(z.string(), z.string()).optional(),
  createdAt: z.number(),
  state: z.enum(['ready', 'notready']),
});

const containerRecord = z.object({
  kind: z.literal('container'),
  id: z.string(),
  sandboxId: z.string(),
  podUid: z.string(),
  node: z.string(),
  name: z.string(),
  attempt: z.number(),
  image: z.string(),
  argv: z.array(z.string()),
  env: z.array(z.object({ name: z.string(), value: z.string() })),
  workingDir: z.string(),
  createdAt: z.number(),
  state: z.enum(['created', 'running', 'exited', 'unknown']),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  exitCode: z.number().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  pid: z.number().optional(),
  /** The process's start time from /proc: tells our process from a later one with a reused pid. */
  pidStartTicks: z.string().optional(),
});

export type SandboxRecord = z.infer<typeof sandboxRecord>;
export type ContainerRecord = z.infer<typeof containerRecord>;

/** The directory of one pod's sandboxes and containers. */
export function podDirectory(stateDir: string, podUid: string): string {
  return path.join(stateDir, encodeURIComponent(podUid));
}

/** A container's files without their extension: `<stateDir>/<podUid>/<name>-<attempt>`. */
export function containerBasePath(
  stateDir: string,
  record: Pick<ContainerRecord, 'podUid' | 'name' | 'attempt'>,
) {
  return path.join(podDirectory(stateDir, record.podUid), `${record.name}-${record.attempt}`);
}

/** The record file of a sandbox. */
export function sandboxRecordPath(stateDir: string, record: Pick<SandboxRecord, 'podUid' | 'id'>): string {
  return path.join(podDirectory(stateDir, record.podUid), `sandbox-${record.id}.json`);
}

/** Writes a record atomically (temporary file, then rename). */
export function writeRecord(file: string, record: SandboxRecord | ContainerRecord): void {
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record)}\n`);
  renameSync(temporary, file);
}

/** Every valid record under the state directory; unreadable ones are logged and skipped. */
export function readRecords(stateDir: string, log: Logger): (SandboxRecord | ContainerRecord)[] {
  const records: (SandboxRecord | ContainerRecord)[] = [];
  for (const pod of readdirOrEmpty(stateDir)) {
    const dir = path.join(stateDir, pod);
    for (const file of readdirOrEmpty(dir)) {
      if (!file.endsWith('.json')) continue;
      const full = path.join(dir, file);
      try {
        const parsed = z
          .union([sandboxRecord, containerRecord])
          .safeParse(JSON.parse(readFileSync(full, 'utf8')));
        if (parsed.success) records.push(parsed.data);
        else log.warn({ file: full, issues: parsed.error.issues }, 'skipping an invalid runtime record');
      } catch (error) {
        log.warn({ file: full, err: error }, 'skipping an unreadable runtime record');
      }
    }
  }
  return records;
}

function readdirOrEmpty(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === 'ENOENT' ||
      (error as NodeJS.ErrnoException).code === 'ENOTDIR'
    ) {
      return [];
    }
    throw error;
  }
}
