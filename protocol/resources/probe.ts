/**
 * Probes and lifecycle hooks: the handlers a kubelet runs inside or against a container (exec,
 * HTTP GET, TCP connect), with Kubernetes' defaults (period 10s, timeout 1s, success 1,
 * failure 3, path `/`, scheme HTTP) and its one-handler-per-probe rule.
 */
import { z } from 'zod';
import { type FieldError, forbiddenField, required } from '../validation/field-errors.js';
import { withChecks } from '../validation/zod-errors.js';
import {
  intOrString,
  nonNegativeInt32,
  nonNegativeInt64,
  rule,
  stringList,
  validatePortNumOrName,
} from './fields.js';

export const ExecActionSchema = withChecks(z.object({ command: stringList.optional() }), (exec) =>
  (exec.command ?? []).length === 0 ? [required('command')] : [],
);

export const HTTPGetActionSchema = withChecks(
  z.object({
    path: z.string().default('/'),
    port: intOrString,
    host: z.string().optional(),
    scheme: z.enum(['HTTP', 'HTTPS']).default('HTTP'),
    httpHeaders: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
  }),
  (get) => validatePortNumOrName(get.port, 'port'),
);
export type HTTPGetAction = z.output<typeof HTTPGetActionSchema>;

export const TCPSocketActionSchema = withChecks(
  z.object({ port: intOrString, host: z.string().optional() }),
  (tcp) => validatePortNumOrName(tcp.port, 'port'),
);

export const SleepActionSchema = z.object({ seconds: nonNegativeInt64 });

/** The handler kinds a probe or hook may name; Kubernetes allows exactly one. */
const HANDLER_KINDS = ['exec', 'httpGet', 'tcpSocket', 'sleep'] as const;

/** Kubernetes' validateHandler: exactly one handler, reported on the extra ones or on the probe. */
function validateOneHandler(handler: Partial<Record<(typeof HANDLER_KINDS)[number], unknown>>): FieldError[] {
  const errors: FieldError[] = [];
  let seen = 0;
  for (const kind of HANDLER_KINDS) {
    if (handler[kind] === undefined) continue;
    if (seen > 0) errors.push(forbiddenField(kind, 'may not specify more than 1 handler type'));
    seen++;
  }
  if (seen === 0) errors.push(required('', 'must specify a handler type'));
  return errors;
}

const atLeastOne = rule(z.int32(), (v) => v >= 1, 'must be greater than or equal to 1');

export const ProbeSchema = withChecks(
  z.object({
    exec: ExecActionSchema.optional(),
    httpGet: HTTPGetActionSchema.optional(),
    tcpSocket: TCPSocketActionSchema.optional(),
    initialDelaySeconds: nonNegativeInt32.optional(),
    // Kubernetes accepts 0 here and then defaults it; Skiff refuses 0, since a zero period or
    // threshold would make a kubelet probe in a tight loop or never decide.
    timeoutSeconds: atLeastOne.default(1),
    periodSeconds: atLeastOne.default(10),
    successThreshold: atLeastOne.default(1),
    failureThreshold: atLeastOne.default(3),
    terminationGracePeriodSeconds: rule(z.int(), (v) => v > 0, 'must be greater than 0').optional(),
  }),
  validateOneHandler,
);
export type Probe = z.output<typeof ProbeSchema>;

export const LifecycleHandlerSchema = withChecks(
  z.object({
    exec: ExecActionSchema.optional(),
    httpGet: HTTPGetActionSchema.optional(),
    tcpSocket: TCPSocketActionSchema.optional(),
    sleep: SleepActionSchema.optional(),
  }),
  validateOneHandler,
);
export type LifecycleHandler = z.output<typeof LifecycleHandlerSchema>;

export const LifecycleSchema = z.object({
  postStart: LifecycleHandlerSchema.optional(),
  preStop: LifecycleHandlerSchema.optional(),
});
export type Lifecycle = z.output<typeof LifecycleSchema>;
