/**
 * What the process runtime learns about a host process from `/proc`, and how it signals one.
 * Linux only, as the process runtime is.
 */
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';

/** A process as `/proc/<pid>/stat` shows it. */
export interface ProcStat {
  /** `R`, `S`, `D`, `Z` (zombie: exited, not yet reaped), ... */
  readonly state: string;
  /** Field 22, `starttime`: clock ticks after boot. With the pid it names one process, ever. */
  readonly startTicks: string;
}

/** The process's stat, or undefined when no such process exists. */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // ENOENT (or ESRCH mid-read): the process is gone, which is the answer.
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces or ')': split after the last.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTicks = fields[19];
  return state === undefined || startTicks === undefined ? undefined : { state, startTicks };
}

/**
 * True when `pid` is still the process started at `startTicks` and has not exited. A pid alone
 * could have been reused by an unrelated process since the record was written.
 */
export function isSameLiveProcess(pid: number, startTicks: string): boolean {
  const stat = readProcStat(pid);
  return stat !== undefined && stat.startTicks === startTicks && stat.state !== 'Z' && stat.state !== 'X';
}

/** Signals a whole process group (the container's); false when the group is already gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** A child's exit as a container engine reports it: its code, or 128 + the signal's number. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
}
