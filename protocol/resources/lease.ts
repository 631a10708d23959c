/**
 * Lease (`coordination.k8s.io/v1`): a named lock with a holder and an expiry, used for leader
 * election and node heartbeats. Times are micro-precision RFC 3339 (`MicroTime`).
 */
import { z } from 'zod';
import { objectMetaSchema } from '../meta.js';
import { int32, microTimestamp, nonNegativeInt32, rule } from './fields.js';

export const LeaseSpecSchema = z.object({
  holderIdentity: z.string().optional(),
  leaseDurationSeconds: rule(int32, (v) => v > 0, 'must be greater than 0').optional(),
  acquireTime: microTimestamp.optional(),
  renewTime: microTimestamp.optional(),
  leaseTransitions: nonNegativeInt32.optional(),
});
export type LeaseSpec = z.output<typeof LeaseSpecSchema>;

export const LeaseSchema = z.object({
  apiVersion: z.literal('coordination.k8s.io/v1'),
  kind: z.literal('Lease'),
  metadata: objectMetaSchema('dns1123-subdomain').prefault({}),
  spec: LeaseSpecSchema.prefault({}),
});
export type Lease = z.output<typeof LeaseSchema>;
export type LeaseInput = z.input<typeof LeaseSchema>;
