/**
 * Skiff's Kubernetes-compatible resources: schemas, types, defaults, checks, the resource table
 * and the validation entry points. Import from here rather than from the files behind it.
 */
export * from '../meta.js';
export * from './configmap.js';
export * from './container.js';
export * from './daemonset.js';
export * from './deployment.js';
export * from './endpoints.js';
export * from './event.js';
export * from './field-values.js';
export * from './fields.js';
export * from './immutable.js';
export * from './job.js';
export * from './lease.js';
export * from './namespace.js';
export * from './node.js';
export * from './pod.js';
export * from './pod-status.js';
export * from './probe.js';
export * from './registry.js';
export * from './replicaset.js';
export * from './scheduling.js';
export * from './service.js';
export * from './validate.js';
export * from './volume.js';
export * from './workload.js';
