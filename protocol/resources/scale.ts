/** The `autoscaling/v1` Scale subresource: what `kubectl scale` reads and writes. */

/** The Kubernetes `Scale` subresource object. */
export interface Scale {
  readonly apiVersion: 'autoscaling/v1';
  readonly kind: 'Scale';
  readonly metadata: { readonly name: string; readonly namespace: string; readonly resourceVersion?: string };
  readonly spec: { readonly replicas: number };
  readonly status?: { readonly replicas: number; readonly selector?: string };
}
