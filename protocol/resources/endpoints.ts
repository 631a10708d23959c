/**
 * Endpoints (`v1`): the addresses behind a Service, kept by the endpoints controller. In Skiff a
 * pod's ports are published on its node, so an address is the node's IP and each port the host
 * port the kubelet allocated (`nodeAddress:hostPort`); `targetRef` names the pod.
 */
import { z } from 'zod';
import { ObjectReferenceSchema, objectMetaSchema } from '../meta.js';
import { type FieldError, invalidValue, required } from '../validation/field-errors.js';
import { isDNS1123Label, isDNS1123Subdomain } from '../validation/names.js';
import { childPath, withChecks } from '../validation/zod-errors.js';
import { inclusiveRangeError, int32, MAX_PORT, protocol, requiredString, validateIP } from './fields.js';

export const EndpointAddressSchema = withChecks(
  z.object({
    ip: requiredString,
    hostname: z.string().optional(),
    nodeName: z.string().optional(),
    targetRef: ObjectReferenceSchema.optional(),
  }),
  (address) => {
    // Unlike Kubernetes, loopback is allowed: Skiff publishes pod ports on 127.0.0.1 in tests.
    const errors = address.ip === '' ? [required('ip')] : validateIP(address.ip, 'ip');
    if (address.hostname) {
      errors.push(
        ...isDNS1123Label(address.hostname).map((m) => invalidValue('hostname', address.hostname, m)),
      );
    }
    if (address.nodeName) {
      errors.push(
        ...isDNS1123Subdomain(address.nodeName).map((m) => invalidValue('nodeName', address.nodeName, m)),
      );
    }
    return errors;
  },
);
export type EndpointAddress = z.output<typeof EndpointAddressSchema>;
export type EndpointAddressInput = z.input<typeof EndpointAddressSchema>;

export const EndpointPortSchema = z.object({
  name: z.string().optional(),
  port: int32,
  protocol: protocol.default('TCP'),
  appProtocol: z.string().optional(),
});
export type EndpointPort = z.output<typeof EndpointPortSchema>;
export type EndpointPortInput = z.input<typeof EndpointPortSchema>;

const subsetObject = z.object({
  addresses: z.array(EndpointAddressSchema).optional(),
  notReadyAddresses: z.array(EndpointAddressSchema).optional(),
  ports: z.array(EndpointPortSchema).optional(),
});

/** Kubernetes' validateEndpointSubsets for one subset: some address, and well-formed ports. */
export function validateSubset(subset: z.output<typeof subsetObject>): FieldError[] {
  const errors: FieldError[] = [];
  if ((subset.addresses ?? []).length === 0 && (subset.notReadyAddresses ?? []).length === 0) {
    errors.push(required('', 'must specify `addresses` or `notReadyAddresses`'));
  }
  const ports = subset.ports ?? [];
  ports.forEach((port, i) => {
    const path = childPath('ports', i);
    if (ports.length > 1 && !port.name) errors.push(required(childPath(path, 'name')));
    else if (port.name) {
      errors.push(
        ...isDNS1123Label(port.name).map((m) => invalidValue(childPath(path, 'name'), port.name, m)),
      );
    }
    if (port.port < 1 || port.port > MAX_PORT) {
      errors.push(invalidValue(childPath(path, 'port'), port.port, inclusiveRangeError(1, MAX_PORT)));
    }
  });
  return errors;
}

export const EndpointSubsetSchema = withChecks(subsetObject, validateSubset);
export type EndpointSubset = z.output<typeof EndpointSubsetSchema>;

export const EndpointsSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Endpoints'),
  metadata: objectMetaSchema('dns1123-subdomain').prefault({}),
  subsets: z.array(EndpointSubsetSchema).optional(),
});
export type Endpoints = z.output<typeof EndpointsSchema>;
