/**
 * The desired-state stream's contract, shared by the API server (which consumes it) and the SDK's
 * publisher: its settings, how to open it, and which resource an object published on it belongs to.
 */
import type { Bus, EventLog, EventLogConfig } from './bus.js';
import { BusError, badRequest } from './errors.js';
import { type ResourceType, resourceForKind, supportedKinds } from './resources/registry.js';
import type { Subjects } from './subjects.js';

/** The desired-state stream's settings: the API server creates it so, and publishers when it is missing. */
export function desiredStreamConfig(subjects: Subjects): EventLogConfig {
  return { subjects: [subjects.desiredAll()], maxMessages: 1_000_000, duplicateWindowMs: 120_000 };
}

/** Opens the desired-state stream, creating it (with the API server's settings) when it is missing. */
export async function openDesiredLog(bus: Bus, subjects: Subjects): Promise<EventLog> {
  const name = subjects.desiredStream();
  try {
    // Opening without settings needs only read access to the stream, and never changes it.
    return await bus.log(name);
  } catch (openErr) {
    // Usually the stream does not exist yet (no API server has started): create it, so the object is
    // kept until one does. If that fails too, say why both failed.
    try {
      return await bus.log(name, desiredStreamConfig(subjects));
    } catch (createErr) {
      const opening = openErr instanceof Error ? openErr.message : String(openErr);
      throw new BusError(`desired-state log ${name}: cannot open it (${opening}) nor create it`, {
        cause: createErr,
      });
    }
  }
}

/**
 * The resource a desired-state object belongs to; throws a BadRequest `ApiError` unless the object
 * names a kind Skiff serves, at that kind's apiVersion, and has a `metadata.name`.
 */
export function desiredResource(object: unknown): ResourceType {
  if (!isRecord(object)) throw badRequest('a desired-state object must be a JSON object');
  const { kind, apiVersion, metadata } = object;
  const type = typeof kind === 'string' ? resourceForKind(kind) : undefined;
  if (!type) {
    throw badRequest(
      `unknown kind ${JSON.stringify(kind ?? null)}: Skiff serves ${supportedKinds().join(', ')}`,
    );
  }
  if (apiVersion !== type.apiVersion) {
    throw badRequest(
      `${type.kind} is served as apiVersion ${type.apiVersion}, not ${JSON.stringify(apiVersion ?? null)}`,
    );
  }
  const name = isRecord(metadata) ? metadata.name : undefined;
  if (typeof name !== 'string' || name === '') {
    throw badRequest('a desired-state object needs metadata.name (generateName cannot be applied)');
  }
  return type;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
